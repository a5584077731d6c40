/**
 * A fake dnsmasq (agent/dhcp/runner.ts DnsmasqRunner) for supervisor tests. Each start is a fake
 * process that prints dnsmasq's start-up lines, including "read <reservations file>", which is
 * what the supervisor waits for; tests then crash it, feed it log lines, or watch its reloads.
 */
import type { ChildExit } from '../../agent/dhcp/child-process.js';
import type { DnsmasqInstance, DnsmasqRunner } from '../../agent/dhcp/runner.js';
import { CommandFailedError } from '../../agent/lib/errors.js';

export class FakeDnsmasq implements DnsmasqInstance {
  reloads = 0;
  stopped = false;
  /** Reading the reservations fails as it does for dnsmasq (user nobody) below a private directory. */
  unreadable = false;
  readonly exited: Promise<ChildExit>;
  private resolveExit: (e: ChildExit) => void = () => undefined;
  private ended = false;

  constructor(readonly pid: number, readonly confFile: string, private readonly onLine: (line: string) => void, private readonly reservationsFile: string) {
    this.exited = new Promise((resolve) => { this.resolveExit = resolve; });
  }

  say(message: string, facility = 'dnsmasq-dhcp'): void {
    if (!this.ended) this.onLine(`${facility}[${this.pid}]: ${message}`);
  }

  crash(e: ChildExit = { code: null, signal: 'SIGKILL' }): void {
    if (this.ended) return;
    this.ended = true;
    this.resolveExit(e);
  }

  get running(): boolean {
    return !this.ended;
  }

  async reload(): Promise<void> {
    if (this.ended) throw new Error('not running');
    this.reloads++;
    setImmediate(() => this.sayRead());
  }

  /** What dnsmasq logs after reading (or failing to read) its hosts file. */
  sayRead(): void {
    if (this.unreadable) this.say(`cannot read ${this.reservationsFile}: Permission denied`, 'dnsmasq');
    else this.say(`read ${this.reservationsFile}`);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.crash({ code: null, signal: 'SIGTERM' });
  }
}

export class FakeDnsmasqRunner implements DnsmasqRunner {
  readonly mode = 'binary';
  readonly instances: FakeDnsmasq[] = [];
  readonly tested: string[] = [];
  /** The next starts exit at once with this line, one per entry. */
  failNextStarts: string[] = [];
  /** Starts never report reading their reservations (a dnsmasq that hangs on the way up). */
  silent = false;
  /** Starts cannot read the reservations file. */
  unreadable = false;
  /** Whether the interface has a ULA, so dnsmasq reports building its router advertisements. */
  ipv6Address = true;
  /** What `test` rejects with, if set. */
  testFailure: string | undefined;
  private nextPid = 100;
  private waiters: (() => void)[] = [];

  constructor(private readonly reservationsFile: string) {}

  async test(confFile: string): Promise<void> {
    this.tested.push(confFile);
    if (this.testFailure !== undefined) throw new CommandFailedError(`dnsmasq --test --conf-file=${confFile}`, 1, this.testFailure);
  }

  async start(confFile: string, onLine: (line: string) => void): Promise<DnsmasqInstance> {
    const d = new FakeDnsmasq(this.nextPid++, confFile, onLine, this.reservationsFile);
    d.unreadable = this.unreadable;
    this.instances.push(d);
    const failure = this.failNextStarts.shift();
    setImmediate(() => {
      if (failure !== undefined) {
        onLine(failure);
        d.crash({ code: 2, signal: null });
      } else if (!this.silent) {
        d.say('started, version 2.90 DNS disabled', 'dnsmasq');
        if (this.ipv6Address) d.say('router advertisement on fd00:ac18:d5::, constructed for br0');
        d.sayRead();
      }
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f();
    });
    return d;
  }

  get last(): FakeDnsmasq {
    const d = this.instances.at(-1);
    if (d === undefined) throw new Error('dnsmasq was never started');
    return d;
  }

  /** Resolves once `n` instances have been started. */
  async started(n: number): Promise<void> {
    while (this.instances.length < n) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
}
