/**
 * How dnsmasq is run: the narrow interface the supervisor talks to, and binary mode (dnsmasq as
 * our child). Container mode (its systemd unit) is in systemd-runner.ts; the fake is
 * test/lib/fake-dnsmasq-runner.ts.
 */
import type { Exec } from '../lib/exec.js';
import { CommandFailedError } from '../lib/errors.js';
import { dnsmasqArgs, dnsmasqTestArgs } from './dnsmasq-args.js';
import { stopChild, type ChildExit, type SpawnChild } from './child-process.js';

/** A running dnsmasq, however it is run. */
export interface DnsmasqInstance {
  /** Process id, when known (binary mode; container mode: the unit's main PID). */
  readonly pid: number | undefined;
  /** Resolves when dnsmasq has ended; never rejects. */
  readonly exited: Promise<ChildExit>;
  /** Make dnsmasq re-read its hosts files (SIGHUP): leases and in-flight boots are kept. */
  reload(): Promise<void>;
  /** Stop it; resolves once it has ended. Idempotent. */
  stop(): Promise<void>;
}

export interface DnsmasqRunner {
  readonly mode: 'binary' | 'container';
  /** Check a configuration file's syntax; throws CommandFailedError with dnsmasq's complaint. */
  test(confFile: string): Promise<void>;
  /** Start dnsmasq on this configuration; every log line goes to onLine. */
  start(confFile: string, onLine: (line: string) => void): Promise<DnsmasqInstance>;
}

export interface BinaryRunnerOptions {
  dnsmasqPath: string;
  /**
   * Words put before dnsmasq's path, e.g. ['ip', 'netns', 'exec', 'rack'] in tests. `ip netns exec`
   * execs dnsmasq in place, so the PID we hold is still dnsmasq's.
   */
  wrapper?: readonly string[];
  exec: Exec;
  spawn: SpawnChild;
}

export class BinaryDnsmasqRunner implements DnsmasqRunner {
  readonly mode = 'binary';

  constructor(private readonly o: BinaryRunnerOptions) {}

  async test(confFile: string): Promise<void> {
    const [file, args] = this.command(dnsmasqTestArgs(confFile));
    const r = await this.o.exec(file, args, { timeoutMs: 10_000 });
    // dnsmasq --test prints "syntax check OK." on stderr; anything else is a problem even with status 0.
    if (!/syntax check OK/.test(r.stderr + r.stdout)) throw new CommandFailedError(`${file} ${args.join(' ')}`, r.exitCode, r.stderr + r.stdout);
  }

  async start(confFile: string, onLine: (line: string) => void): Promise<DnsmasqInstance> {
    const [file, args] = this.command(dnsmasqArgs(confFile));
    const child = this.o.spawn(file, args, onLine);
    let stopping: Promise<void> | undefined;
    return {
      pid: child.pid,
      exited: child.exited,
      reload: async () => {
        if (!child.kill('SIGHUP')) throw new Error(`dnsmasq (pid ${child.pid ?? '?'}) is not running`);
      },
      stop: () => (stopping ??= stopChild(child).then(() => undefined)),
    };
  }

  private command(args: string[]): [string, string[]] {
    const words = [...(this.o.wrapper ?? []), this.o.dnsmasqPath, ...args];
    return [words[0] as string, words.slice(1)];
  }
}
