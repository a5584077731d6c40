/**
 * racker's own SOL: the packet layout, the console escape, and the acknowledgement protocol of
 * SolConsole against a scripted session (what the BMC acknowledges, repeats or refuses).
 */
import { expect } from 'chai';
import { decodeActivateSol, decodeSol, encodeSol, nextSolSeq, SOL_PAYLOAD, SolBits } from '../../../agent/bmc/ipmi/sol.js';
import { SolConsole } from '../../../agent/bmc/ipmi/sol-console.js';
import type { LanplusSession } from '../../../agent/bmc/ipmi/session.js';
import type { IpmiRequest, IpmiResponse } from '../../../agent/bmc/ipmi/message.js';
import { ConsoleEscape } from '../../../agent/cli/console-escape.js';
import { silentLogger } from '../../../agent/lib/log.js';

/** The session as SolConsole uses it: commands answered with code 0 (activation: 200-byte packets), SOL payloads recorded. */
class ScriptedSession {
  sent: Buffer[] = [];
  commands: string[] = [];
  private handler: ((p: Buffer) => void) | undefined;
  async open(): Promise<void> { /* opened */ }
  async close(): Promise<void> { /* closed */ }
  async command(request: IpmiRequest, step: string): Promise<IpmiResponse> {
    this.commands.push(step);
    const activate = request.command === 0x48;
    return { netFn: request.netFn + 1, command: request.command, rqSeq: 1, completionCode: 0, data: Buffer.from(activate ? [0, 0, 0, 0, 204, 0, 204, 0, 0x6f, 0x02, 0xff, 0xff] : []) };
  }
  async sendPayload(type: number, payload: Uint8Array): Promise<void> {
    expect(type).to.equal(SOL_PAYLOAD);
    this.sent.push(Buffer.from(payload));
  }
  onPayload(_type: number, handler: (p: Buffer) => void): () => void {
    this.handler = handler;
    return () => { this.handler = undefined; };
  }
  fromBmc(p: Parameters<typeof encodeSol>[0]): void {
    this.handler?.(encodeSol(p));
  }
}

const target = { node: 'node-2', address: '10.0.0.2', port: 623, user: 'admin', password: 'x' };

async function console_(retries = 3): Promise<{ session: ScriptedSession; sol: SolConsole; shown: Buffer[] }> {
  const session = new ScriptedSession();
  const shown: Buffer[] = [];
  const sol = new SolConsole(session as unknown as LanplusSession, target, { retransmitMs: 20, retries, keepAliveMs: 0 }, (d) => shown.push(d), silentLogger());
  await sol.open();
  return { session, sol, shown };
}

describe('SOL packets', () => {
  it('lays out sequence, ack, accepted count, status, then characters', () => {
    expect(encodeSol({ seq: 3, ack: 2, accepted: 5, data: Buffer.from('hi') }).toString('hex')).to.equal('0302050068' + '69');
    expect(decodeSol(Buffer.from('0500001068', 'hex'))).to.deep.include({ seq: 5, ack: 0, accepted: 0, status: SolBits.deactivating });
    expect(nextSolSeq(15)).to.equal(1);
    expect(decodeActivateSol(Buffer.from([0, 0, 0, 0, 204, 0, 204, 0, 0x6f, 0x02, 0xff, 0xff]))).to.deep.equal({ maxOutbound: 200, port: 623 });
  });
});

describe('console escape', () => {
  it('detaches on ~. at the start of a line only; ~~ sends one ~; ~x sends both', () => {
    const e = new ConsoleEscape();
    expect(e.feed(Buffer.from('a~.'))).to.deep.equal({ send: Buffer.from('a~.'), detach: false });
    expect(e.feed(Buffer.from('\r~~\r~x'))).to.deep.equal({ send: Buffer.from('\r~\r~x'), detach: false });
    expect(e.feed(Buffer.from('\r~.ignored'))).to.deep.equal({ send: Buffer.from('\r'), detach: true });
    const split = new ConsoleEscape();
    expect(split.feed(Buffer.from('~')).send.length).to.equal(0);
    expect(split.feed(Buffer.from('.')).detach).to.equal(true);
  });
});

describe('SolConsole', () => {
  it('drops a dangling session before activating, and deactivates on close', async () => {
    const { session, sol } = await console_();
    expect(session.commands).to.deep.equal(['deactivate a dangling SOL session', 'activate SOL']);
    await sol.close();
    expect(session.commands.at(-1)).to.equal('deactivate SOL');
  });

  it('shows each packet from the BMC once, and acknowledges every copy of it', async () => {
    const { session, shown, sol } = await console_();
    session.fromBmc({ seq: 1, ack: 0, accepted: 0, data: Buffer.from('login: ') });
    session.fromBmc({ seq: 1, ack: 0, accepted: 0, data: Buffer.from('login: ') }); // our ack was lost
    session.fromBmc({ seq: 2, ack: 0, accepted: 0, data: Buffer.from('x') });
    expect(Buffer.concat(shown).toString()).to.equal('login: x');
    expect(session.sent.map((p) => decodeSol(p)).map((p) => [p?.seq, p?.ack, p?.accepted])).to.deep.equal([[0, 1, 7], [0, 1, 7], [0, 2, 1]]);
    await sol.close();
  });

  it('sends one packet at a time, the next after the ack, and again what the BMC did not accept', async () => {
    const { session, sol } = await console_();
    sol.send(Buffer.from('abc'));
    sol.send(Buffer.from('def'));
    expect(session.sent.map((p) => decodeSol(p)?.data.toString())).to.deep.equal(['abc']);
    session.fromBmc({ seq: 0, ack: 1, accepted: 2, data: Buffer.alloc(0) }); // took "ab"
    expect(session.sent.map((p) => [decodeSol(p)?.seq, decodeSol(p)?.data.toString()])).to.deep.equal([[1, 'abc'], [2, 'cdef']]);
    session.fromBmc({ seq: 0, ack: 2, accepted: 4, data: Buffer.alloc(0) });
    expect(session.sent).to.have.length(2);
    await sol.close();
  });

  it('sends a packet again until acknowledged, and ends with an error when the BMC never does', async () => {
    const { session, sol } = await console_(2);
    sol.send(Buffer.from('z'));
    const end = await sol.ended;
    expect(session.sent.map((p) => decodeSol(p)?.seq)).to.deep.equal([1, 1, 1]);
    expect(end.error?.message).to.include('did not acknowledge typed characters after 3 tries');
    await sol.close();
  });

  it('ends when the BMC says SOL is deactivating', async () => {
    const { session, sol } = await console_();
    session.fromBmc({ seq: 0, ack: 0, accepted: 0, status: SolBits.deactivating, data: Buffer.alloc(0) });
    expect((await sol.ended).error?.message).to.include('the BMC ended the SOL session');
    await sol.close();
  });
});
