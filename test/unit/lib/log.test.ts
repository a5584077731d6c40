import { expect } from 'chai';
import { Writable } from 'node:stream';
import { createLogger, journalLine, turnBatched } from '../../../agent/lib/log.js';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[]; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({ write(chunk: Buffer, _enc, cb) { chunks.push(chunk.toString()); cb(); } });
  return { stream, text: () => chunks.join(''), lines: () => chunks.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('logging', () => {
  it('writes JSON lines with level names and component child loggers', () => {
    const out = capture();
    const log = createLogger({ mode: 'daemon', stream: out.stream });
    log.child({ component: 'dnsmasq' }).info({ pid: 42 }, 'started');
    const [line] = out.lines();
    expect(line).to.include({ level: 'info', component: 'dnsmasq', msg: 'started' });
  });

  it('stamps each line with the time of the millisecond it was written, as ISO 8601', async () => {
    const out = capture();
    const log = createLogger({ mode: 'daemon', stream: out.stream });
    const t0 = Date.now();
    log.info('first');
    await new Promise((resolve) => setTimeout(resolve, 5));
    log.info('second');
    const t1 = Date.now();
    const [first, second] = out.lines().map((l) => l.time as string);
    for (const t of [first, second]) expect(t).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Date.parse(first as string)).to.be.within(t0, t1);
    expect(Date.parse(second as string)).to.be.within(Date.parse(first as string) + 4, t1);
  });

  it('redacts BMC passwords and tokens at any depth we log', () => {
    const out = capture();
    const log = createLogger({ mode: 'daemon', stream: out.stream });
    log.info({ password: 'hunter2', bmc: { user: 'admin', password: 'hunter2' }, req: { headers: { authorization: 'Bearer abc' } }, node: { creds: { token: 'tok' } } }, 'x');
    expect(out.text()).not.to.contain('hunter2');
    expect(out.text()).not.to.contain('Bearer abc');
    expect(out.text()).not.to.contain('"tok"');
    const [line] = out.lines();
    expect((line?.bmc as Record<string, unknown>).user).to.equal('admin');
    expect((line?.bmc as Record<string, unknown>).password).to.equal('[redacted]');
  });
});

describe('turnBatched (the daemon\'s log destination)', () => {
  const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  it('hands the lines of one event-loop turn to the destination in one write, in order', async () => {
    const writes: string[] = [];
    const out = turnBatched({ write: (d) => writes.push(d), flushSync: () => undefined });
    out.write('a\n');
    out.write('b\n');
    out.write('c\n');
    expect(writes).to.deep.equal([]);
    await turn();
    expect(writes).to.deep.equal(['a\nb\nc\n']);
    out.write('d\n');
    await turn();
    expect(writes).to.deep.equal(['a\nb\nc\n', 'd\n']);
  });

  it('writes what the turn holds when the logger is flushed', () => {
    const writes: string[] = [];
    let flushed = 0;
    const out = turnBatched({ write: (d) => writes.push(d), flushSync: () => undefined, flush: (cb) => { flushed++; cb?.(); } }) as unknown as { write(s: string): void; flush(cb: () => void): void };
    out.write('a\n');
    let called = false;
    out.flush(() => { called = true; });
    expect(writes).to.deep.equal(['a\n']);
    expect(flushed).to.equal(1);
    expect(called).to.equal(true);
  });

  it('gives journald each line\'s level as a syslog priority prefix, so journalctl -p err finds the errors', () => {
    expect(journalLine('{"level":"error","msg":"x"}\n')).to.equal('<3>{"level":"error","msg":"x"}\n');
    expect(journalLine('{"level":"fatal"}')).to.match(/^<2>/);
    expect(journalLine('{"level":"warn"}')).to.match(/^<4>/);
    expect(journalLine('{"level":"info"}')).to.match(/^<6>/);
    expect(journalLine('{"level":"debug"}')).to.match(/^<7>/);
    expect(journalLine('not a log line')).to.equal('not a log line');
  });
});
