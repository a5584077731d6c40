/** Retransmission and timeouts of the native session, over a fake transport that loses datagrams. */
import { expect } from 'chai';
import { LanplusSession } from '../../../agent/bmc/ipmi/session.js';
import type { DatagramReceiver, DatagramTransport, Endpoint } from '../../../agent/bmc/ipmi/transport.js';
import { silentLogger } from '../../../agent/lib/log.js';
import { isRackerError, errorMessage } from '../../../agent/lib/errors.js';

/** Answers ASF pings after dropping the first `drop` datagrams; records what was sent. */
class LossyBmc implements DatagramTransport {
  sent: Buffer[] = [];
  private receiver: DatagramReceiver | undefined;
  constructor(private drop: number, private readonly answer = true) {}
  register(_e: Endpoint, r: DatagramReceiver): () => void {
    this.receiver = r;
    return () => { this.receiver = undefined; };
  }
  async send(_e: Endpoint, d: Uint8Array): Promise<void> {
    this.sent.push(Buffer.from(d));
    if (this.drop > 0) { this.drop--; return; }
    if (!this.answer) return;
    const pong = Buffer.from('0600ff06000011be40000010000011be000000008100000000000000', 'hex');
    pong[9] = d[9] as number; // echo the tag
    setImmediate(() => { this.receiver?.(pong); });
  }
}

/** IPMI v1.5 wrapper (auth type byte 0x00 after the RMCP header): only Get Channel Authentication Capabilities uses it. */
const isCapsRequest = (d: Buffer): boolean => d[4] === 0x00;

const target = { node: 'node-3', address: '10.0.0.9', port: 623, user: 'admin', password: 'hunter2-secret' };
const options = { cipherSuites: [3] as Array<3 | 17>, timeoutMs: 400, retries: 3, retransmitMs: 40 };

describe('native IPMI session exchanges', () => {
  it('retransmits until the BMC answers', async () => {
    const bmc = new LossyBmc(2);
    const s = new LanplusSession(target, options, bmc, silentLogger());
    expect(await s.ping()).to.equal(true);
    expect(bmc.sent).to.have.length(3);
  });

  it('gives up after the retries with a timeout error naming node, BMC and step, never the password', async () => {
    const bmc = new LossyBmc(0, false);
    const s = new LanplusSession(target, options, bmc, silentLogger());
    let err: unknown;
    try {
      await s.open();
    } catch (e) {
      err = e;
    }
    expect(isRackerError(err) && err.code).to.equal('RACKER_E_BMC_TIMEOUT');
    const message = errorMessage(err);
    expect(message).to.match(/^node node-3: BMC 10\.0\.0\.9: get channel authentication capabilities: no answer within \d+ ms$/);
    expect(message + String((err as { hint?: string }).hint)).not.to.include('hunter2');
    // retries: 3, so at most 4 of each; the budget may end the exchange earlier.
    expect(bmc.sent.filter(isCapsRequest).length).to.be.within(2, 4);
    expect(bmc.sent.filter((d) => !isCapsRequest(d)).length).to.be.within(2, 4);
  });

  it('sends the capabilities request and the first Open Session Request together (one round trip less)', async () => {
    const bmc = new LossyBmc(0, false);
    const s = new LanplusSession(target, { ...options, retries: 0, timeoutMs: 50 }, bmc, silentLogger());
    await s.open().catch(() => undefined);
    expect(bmc.sent.map((d) => (isCapsRequest(d) ? 'caps' : `v2.0 payload 0x${(d[5] as number).toString(16)}`))).to.deep.equal(['caps', 'v2.0 payload 0x10']);
  });

  it('reports an unanswered ping as false rather than an error', async () => {
    const s = new LanplusSession(target, { ...options, retries: 1 }, new LossyBmc(0, false), silentLogger());
    expect(await s.ping()).to.equal(false);
  });
});
