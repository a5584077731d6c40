import { expect } from 'chai';
import { startBoot, type BootHarness } from '../../lib/boot-harness.js';
import { http } from '../../lib/http-client.js';

const MAC = '52:54:00:00:00:01';
const TOKEN = 'tok-3f9a1c7e5b2d4f60a8e1';

describe('boot service phone-home (POST /racker/v1/events)', function () {
  let b: BootHarness;
  before(async () => {
    b = await startBoot();
    b.service.tokens.set(MAC, TOKEN);
    b.service.tokens.set('52:54:00:00:00:02', 'tok-other-node-0000000001');
  });
  after(async () => { await b?.stop(); });

  const post = (body: unknown, headers: Record<string, string> = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }) =>
    http({ port: b.port, path: '/racker/v1/events', method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });

  it('accepts installed, ready and failed with a reason from the node with its token', async () => {
    for (const status of ['installed', 'ready']) expect((await post({ mac: MAC, status })).status).to.equal(204);
    expect((await post({ mac: '52-54-00-00-00-01', status: 'failed', reason: 'flatcar-install: no disk /dev/sda' })).status).to.equal(204);
    const phoned = b.events.filter((e) => e.type === 'phone-home');
    expect(phoned.map((e) => e.type === 'phone-home' && [e.mac, e.status, e.reason, e.clientIp])).to.deep.equal([
      [MAC, 'installed', undefined, '127.0.0.1'], [MAC, 'ready', undefined, '127.0.0.1'], [MAC, 'failed', 'flatcar-install: no disk /dev/sda', '127.0.0.1'],
    ]);
  });

  it('carries the failing step\'s output with a failure, bounded and kept to printable text', async () => {
    const output = `${'x'.repeat(3000)}\nError: /dev/vda is not a block device\u001b[0m\n`;
    expect((await post({ mac: MAC, status: 'failed', reason: 'install step failed', output })).status).to.equal(204);
    const e = b.events.filter((x) => x.type === 'phone-home').at(-1);
    const got = e?.type === 'phone-home' ? e.output ?? '' : '';
    expect(got.length).to.be.at.most(2048);
    expect(got.endsWith('Error: /dev/vda is not a block device[0m\n')).to.equal(true);
    expect((await post({ mac: MAC, status: 'failed', output: 5 })).status).to.equal(400);
  });

  it('refuses missing, wrong or another node\'s tokens with 401', async () => {
    const noAuth = await post({ mac: MAC, status: 'ready' }, { 'Content-Type': 'application/json' });
    expect([noAuth.status, noAuth.headers['www-authenticate']]).to.deep.equal([401, 'Bearer realm="racker"']);
    const json = { 'Content-Type': 'application/json' };
    expect((await post({ mac: MAC, status: 'ready' }, { ...json, Authorization: 'Bearer wrong-token-wrong-token' })).status).to.equal(401);
    expect((await post({ mac: MAC, status: 'ready' }, { ...json, Authorization: 'Bearer tok-other-node-0000000001' })).status).to.equal(401);
    expect((await post({ mac: '52:54:00:00:00:99', status: 'ready' })).status).to.equal(401);
    expect((await post({ mac: MAC, status: 'ready' }, { ...json, Authorization: `Basic ${TOKEN}` })).status).to.equal(401);
  });

  it('refuses malformed requests with the right 4xx', async () => {
    expect((await post({ mac: MAC, status: 'done' })).status).to.equal(400);
    expect((await post({ status: 'ready' })).status).to.equal(400);
    expect((await post('{not json')).status).to.equal(400);
    expect((await post({ mac: MAC, status: 'failed', reason: 5 })).status).to.equal(400);
    expect((await post({ mac: MAC, status: 'ready' }, { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'text/plain' })).status).to.equal(415);
    const big = await post({ mac: MAC, status: 'failed', reason: 'x'.repeat(10_000) });
    expect(big.status).to.equal(413);
    expect((await http({ port: b.port, path: '/racker/v1/events' })).status).to.equal(405);
  });

  it('never logs the token', () => {
    expect(JSON.stringify(b.logs)).to.not.include(TOKEN);
    expect(b.logs.filter((l) => l.msg === 'phone-home refused').length).to.be.greaterThan(5);
  });
});
