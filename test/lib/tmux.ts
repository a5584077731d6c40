/**
 * Drive a program in a real terminal: a private tmux server (its own socket, so nothing else's
 * sessions are touched) with one window of a fixed size, keys sent with `send-keys`, the screen
 * read with `capture-pane`. The pane stays after the program exits so its last output and exit
 * status can be read. More windows run side programs (e.g. another console on the same BMC).
 * `stop()` ends the panes' processes and this server by PID.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exec } from '../../agent/lib/exec.js';
import { waitUntil } from '../../agent/lib/backoff.js';

let counter = 0;

export class TmuxTerminal {
  private readonly socket = `racker-test-${process.pid}-${++counter}`;
  private started = false;
  private readonly statusFile: string;

  constructor(private readonly dir: string) {
    this.statusFile = join(dir, `${this.socket}.status`);
  }

  private tmux(...args: string[]): Promise<string> {
    return exec('tmux', ['-L', this.socket, '-f', join(this.dir, 'tmux.conf'), ...args], { timeoutMs: 10_000 }).then((r) => r.stdout);
  }

  /** Start `argv` in a width×height terminal with extra environment. */
  async start(argv: readonly string[], env: Record<string, string>, size = { width: 80, height: 24 }): Promise<void> {
    await writeFile(join(this.dir, 'tmux.conf'), 'set -g remain-on-exit on\nset -g status off\n');
    const envArgs = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    // The exit status goes to a file: tmux's #{pane_dead_status} is sometimes never filled in.
    const wrapper = ['sh', '-c', '"$@"; echo $? > "$STATUS_FILE.tmp" && mv "$STATUS_FILE.tmp" "$STATUS_FILE"', 'sh', ...argv];
    await this.tmux('new-session', '-d', '-s', 'main', '-x', String(size.width), '-y', String(size.height), ...envArgs, '-e', `STATUS_FILE=${this.statusFile}`, ...wrapper);
    this.started = true;
  }

  /** Another window running `argv` (the environment as given to start()), for a side program. */
  async addWindow(name: string, argv: readonly string[]): Promise<void> {
    await this.tmux('new-window', '-d', '-t', 'main', '-n', name, ...argv);
  }

  /** Another window's screen and scrollback, wrapped lines joined. */
  async windowTranscript(name: string): Promise<string> {
    return this.tmux('capture-pane', '-p', '-J', '-S', '-', '-t', `main:${name}`);
  }

  /** Keys by tmux name (Enter, Escape, Up, C-s, F2 …). */
  async keys(...keys: string[]): Promise<void> {
    for (const k of keys) await this.tmux('send-keys', '-t', 'main', k);
  }

  /** Literal text, as typed (or as a barcode scanner types it). */
  async type(text: string): Promise<void> {
    await this.tmux('send-keys', '-t', 'main', '-l', '--', text);
  }

  async screen(): Promise<string> {
    return this.tmux('capture-pane', '-p', '-t', 'main');
  }

  /** Everything the pane showed outside the full-screen UI (scrollback included), wrapped lines joined. */
  async transcript(): Promise<string> {
    return this.tmux('capture-pane', '-p', '-J', '-S', '-', '-t', 'main');
  }

  /** Wait until the screen matches (polling); fails with the last screen after `timeoutMs`. */
  async waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
    let last = '';
    const shown = await waitUntil(async () => {
      last = await this.screen();
      return pattern.test(last) ? last : undefined;
    }, { intervalMs: 100, timeoutMs });
    if (shown !== undefined) return shown;
    throw new Error(`the terminal never showed ${String(pattern)}; last screen:\n${last}`);
  }

  /** The program's exit status once it has exited, else undefined. */
  async exitStatus(): Promise<number | undefined> {
    const text = await readFile(this.statusFile, 'utf8').catch(() => undefined);
    return text === undefined ? undefined : Number(text.trim());
  }

  async waitForExit(timeoutMs = 15_000): Promise<number> {
    const s = await waitUntil(() => this.exitStatus(), { intervalMs: 100, timeoutMs });
    if (s !== undefined) return s;
    throw new Error(`the program did not exit; last screen:\n${await this.screen()}`);
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    const pids = await Promise.all([
      this.tmux('list-panes', '-s', '-t', 'main', '-F', '#{pane_pid}'),
      this.tmux('display-message', '-p', '#{pid}'),
    ]).then((out) => out.join('\n').split('\n').filter((l) => /^\d+$/.test(l.trim())).map(Number), () => [] as number[]); // server already gone
    // Panes first (with remain-on-exit a pane's process may be gone already), the server last.
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // exited meanwhile
      }
    }
  }
}
