/** A fake long-running child (agent/dhcp/child-process.ts SpawnChild) that tests drive by hand. */
import type { ChildExit, ChildHandle, SpawnChild } from '../../agent/dhcp/child-process.js';

export class FakeChild implements ChildHandle {
  readonly signals: NodeJS.Signals[] = [];
  readonly exited: Promise<ChildExit>;
  private resolveExit: (e: ChildExit) => void = () => undefined;
  private ended = false;

  constructor(readonly file: string, readonly args: readonly string[], private readonly onLine: (line: string) => void, readonly pid: number | undefined) {
    this.exited = new Promise((resolve) => { this.resolveExit = resolve; });
  }

  /** Print a line as the program would. */
  say(line: string): void {
    if (!this.ended) this.onLine(line);
  }

  exit(e: ChildExit): void {
    if (this.ended) return;
    this.ended = true;
    this.resolveExit(e);
  }

  get running(): boolean {
    return !this.ended;
  }

  kill(signal: NodeJS.Signals): boolean {
    if (this.ended) return false;
    this.signals.push(signal);
    if (signal === 'SIGTERM' || signal === 'SIGKILL') this.exit({ code: null, signal });
    return true;
  }
}

/** A SpawnChild that records every child it "starts". */
export function fakeSpawn(): { spawn: SpawnChild; children: FakeChild[] } {
  const children: FakeChild[] = [];
  let pid = 1000;
  return {
    children,
    spawn: (file, args, onLine) => {
      const c = new FakeChild(file, args, onLine, pid++);
      children.push(c);
      return c;
    },
  };
}
