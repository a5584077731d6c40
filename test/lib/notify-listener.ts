/**
 * A real unix datagram listener standing in for systemd's notify socket: a python3 process (an
 * implementation independent of ours) bound to a path or an abstract address, printing every
 * datagram it receives as one JSON line. Tests read what systemd would have received.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

const SCRIPT = `
import json, socket, sys
addr = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(b"\\0" + addr[1:].encode() if addr.startswith("@") else addr)
print(json.dumps({"listening": addr}), flush=True)
while True:
    data = s.recv(65536)
    print(json.dumps({"datagram": data.decode()}), flush=True)
`;

export class NotifyListener {
  readonly datagrams: string[] = [];
  private waiters: { predicate: (d: string) => boolean; resolve: (d: string) => void }[] = [];

  private constructor(readonly address: string, private readonly child: ChildProcess) {}

  /** Start listening on `address` (an absolute path, or `@name` for the abstract namespace). */
  static async start(address: string): Promise<NotifyListener> {
    const child = spawn('python3', ['-c', SCRIPT, address], { stdio: ['ignore', 'pipe', 'inherit'] });
    const listener = new NotifyListener(address, child);
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`notify listener exited with ${code}`)));
      lines.on('line', (line) => {
        const msg = JSON.parse(line) as { listening?: string; datagram?: string };
        if (msg.listening !== undefined) resolve();
        if (msg.datagram !== undefined) listener.received(msg.datagram);
      });
    });
    return listener;
  }

  /** Resolves with the first datagram (already received or future) that matches. */
  waitFor(predicate: (d: string) => boolean, timeoutMs = 20_000): Promise<string> {
    const seen = this.datagrams.find(predicate);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching datagram within ${timeoutMs} ms; got ${JSON.stringify(this.datagrams)}`)), timeoutMs);
      this.waiters.push({ predicate, resolve: (d) => { clearTimeout(timer); resolve(d); } });
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGKILL');
    await exited;
  }

  private received(d: string): void {
    this.datagrams.push(d);
    const pending = this.waiters;
    this.waiters = [];
    for (const w of pending) {
      if (w.predicate(d)) w.resolve(d);
      else this.waiters.push(w);
    }
  }
}
