import { expect } from 'chai';
import { startBoot, type BootHarness } from '../../lib/boot-harness.js';
import { http } from '../../lib/http-client.js';
import { readFile } from 'node:fs/promises';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';
import { testData } from '../../lib/paths.js';
import { TOKEN_LIFETIME_MS, TokenStore } from '../../../agent/daemon/wiring/token-store.js';
import type { Mac } from '../../../agent/lib/mac.js';
import { NodeTokens, PhoneHomeError } from '../../../agent/boot/phone-home.js';

const MAC = '52:54:00:00:00:01';
const TOKEN = 'tok-3f9a1c7e5b2d4f60a8e1';

describe('boot service phone-home (POST /racker/v1/events)', function () {
  let b: BootHarness;
  /** The token store that keeps reports, as the agent wires it (network-services.ts bootEntry). */
  let keeper: TokenStore | undefined;
  before(async () => {
    b = await startBoot({ keepReport: async (e) => keeper?.keepReport(e) });
    const grant = { address: '127.0.0.1', expiresAt: Date.now() + 3600_000 };
    b.service.tokens.set(MAC, TOKEN, grant);
    b.service.tokens.set('52:54:00:00:00:02', 'tok-other-node-0000000001', grant);
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

  it('refuses malformed requests with the right 4xx, saying what is wrong, and keeps nothing of them', async () => {
    const before = b.events.length;
    const done = await post({ mac: MAC, status: 'done' });
    expect([done.status, done.text]).to.deep.equal([400, '400 report is not valid: status: must be installed, ready, joined, failed, refused, inventory\n']);
    expect((await post({ status: 'ready' })).status).to.equal(400);
    expect((await post('{not json')).status).to.equal(400);
    expect((await post({ mac: MAC, status: 'failed', reason: 5 })).status).to.equal(400);
    expect((await post({ mac: MAC, status: 'ready' }, { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'text/plain' })).status).to.equal(415);
    const big = await post({ mac: MAC, status: 'failed', reason: 'x'.repeat(70_000) });
    expect([big.status, big.text]).to.deep.equal([413, '413 body larger than 65536 bytes\n']);
    expect((await http({ port: b.port, path: '/racker/v1/events' })).status).to.equal(405);
    expect(b.events.length, 'no event from a refused report').to.equal(before);
  });

  it('accepts a hardware inventory from the node with its token, checked against its schema', async () => {
    const inventory = {
      system: { vendor: 'Supermicro', product: 'SYS-1029P-WTR', serial: 'S123456X9', uuid: '00000000-0000-0000-0000-0cc47a1b2c3d', boardVendor: '', boardProduct: '', boardSerial: '', biosVendor: 'American Megatrends Inc.', biosVersion: '3.4', biosDate: '10/28/2020' },
      cpu: { model: 'Intel(R) Xeon(R) Silver 4210R CPU @ 2.40GHz', count: 40, sockets: 2 },
      memoryBytes: 201_326_592_000,
      nics: [{ name: 'eno1', mac: '0C:C4:7A:1B:2C:3D', driver: 'ixgbe', speedMbps: 10000 }, { name: 'eno2', mac: '0c:c4:7a:1b:2c:3e', driver: 'ixgbe', speedMbps: null }],
      disks: JSON.parse(await readFile(testData('lsblk', 'old-os.json'), 'utf8')) as unknown,
    };
    expect((await post({ mac: MAC, status: 'inventory', inventory })).status).to.equal(204);
    expect((await post({ mac: MAC, status: 'inventory', inventory })).status, 'may come again (each install boot)').to.equal(204);
    const e = b.events.filter((x) => x.type === 'phone-home').at(-1);
    const got = e?.type === 'phone-home' ? e.inventory : undefined;
    expect(got?.system.serial).to.equal('S123456X9');
    expect(got?.system.boardSerial, 'empty DMI strings are absent').to.equal(undefined);
    expect(got?.disks.blockdevices.map((d) => [d.name, d.size, d.rota, d.children?.length ?? 0])).to.deep.equal([['sda', 240057409536, false, 3], ['sdb', 4000787030016, true, 0], ['sr0', 1073741312, true, 0]]);

    const bad = await post({ mac: MAC, status: 'inventory', inventory: { ...inventory, cpu: { model: 'x', count: -1, sockets: 1 } } });
    expect([bad.status, bad.body.toString()]).to.deep.equal([400, '400 inventory is not valid: inventory.cpu.count: Too small: expected number to be >=0\n']);
    expect((await post({ mac: MAC, status: 'inventory' })).status).to.equal(400);
    expect((await post({ mac: MAC, status: 'inventory', inventory: { ...inventory, extra: 1 } })).status).to.equal(400);
    const many = { ...inventory, nics: Array.from({ length: 65 }, (_, i) => ({ name: `eth${i}`, mac: '02:00:00:00:00:01', driver: 'e1000', speedMbps: 1000 })) };
    expect((await post({ mac: MAC, status: 'inventory', inventory: many })).status).to.equal(400);
    const huge = { ...inventory, disks: { blockdevices: Array.from({ length: 250 }, (_, i) => ({ name: `sd${i}`, type: 'disk', size: 1, model: 'm'.repeat(120), serial: 's'.repeat(120) })) } };
    expect((await post({ mac: MAC, status: 'inventory', inventory: huge })).status).to.equal(413);
    expect((await post({ mac: MAC, status: 'inventory', inventory }, { 'Content-Type': 'application/json' })).status).to.equal(401);
  });

  describe('tokens as the agent issues them (per job and node, bound to the reserved address, expiring)', () => {
    let dir: string;
    before(async () => { dir = await makeTempDir('racker-tokens-'); });
    after(async () => { await removeTempDir(dir); });
    const report = (mac: string, token: string, status: string, localAddress = '127.0.0.1') => http({
      port: b.port, path: '/racker/v1/events', method: 'POST', localAddress,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ mac, status }),
    });

    it('refuses a replayed ready, a token from another address, one of an earlier job and an expired one', async () => {
      const store = new TokenStore(dir, b.service.tokens);
      const node = '52:54:00:00:00:11' as Mac;
      const token = await store.tokenFor(node, { job: 'j1', address: '127.0.0.1' });
      expect(await store.tokenFor(node, { job: 'j1', address: '127.0.0.1' })).to.equal(token); // a resumed job's node carries it
      expect((await report(node, token, 'installed', '127.0.0.2')).status).to.equal(403);
      expect((await report(node, token, 'ready')).status).to.equal(204);
      const replay = await report(node, token, 'ready');
      expect([replay.status, replay.text]).to.deep.equal([409, '409 ready was already reported with this token\n']);
      expect(b.events.filter((e) => e.type === 'phone-home' && e.mac === node && e.status === 'ready')).to.have.length(1);

      const next = await store.tokenFor(node, { job: 'j2', address: '127.0.0.1' });
      expect(next).to.not.equal(token);
      expect((await report(node, token, 'installed')).status).to.equal(401);
      expect((await report(node, next, 'installed')).status).to.equal(204);
      await store.revoke(node); // the node is done
      expect((await report(node, next, 'joined')).status).to.equal(401);
      expect(await readFile(store.path, 'utf8')).to.not.include(next);

      const lateStore = new TokenStore(dir, b.service.tokens, () => Date.now() - TOKEN_LIFETIME_MS - 1000);
      const old = await lateStore.tokenFor('52:54:00:00:00:12' as Mac, { job: 'j3', address: '127.0.0.1' });
      const expired = await report('52:54:00:00:00:12', old, 'installed');
      expect([expired.status, expired.text]).to.deep.equal([401, '401 token expired\n']);
    });

    it('refuses a replayed ready after the agent restarts (the one-time reports are on disk with the token)', async () => {
      const store = new TokenStore(dir, b.service.tokens);
      keeper = store;
      const node = '52:54:00:00:00:13' as Mac;
      const token = await store.tokenFor(node, { job: 'j4', address: '127.0.0.1' });
      expect((await report(node, token, 'installed')).status).to.equal(204);
      // On disk by the time the node is answered: nothing to wait for.
      expect((await report(node, token, 'ready')).status).to.equal(204);
      // A restarted agent: a new registry loaded from the same file.
      const restarted = new NodeTokens();
      await new TokenStore(dir, restarted).load();
      const replay = (status: 'installed' | 'ready' | 'joined') => { try { restarted.check(node, token, '127.0.0.1', status); return 204; } catch (e) { return (e as PhoneHomeError).status; } };
      expect([replay('installed'), replay('ready'), replay('joined')]).to.deep.equal([409, 409, 204]);
    });

    it('drops expired tokens and those of an older racker from the disk when it loads', async () => {
      const late = await makeTempDir('racker-tokens-late-');
      try {
        const { writeFile } = await import('node:fs/promises');
        const path = new TokenStore(late, b.service.tokens).path;
        await writeFile(path, JSON.stringify({
          '52:54:00:00:00:21': 'an-old-racker-token-that-never-expired',
          '52:54:00:00:00:22': { token: 'expired-token-xyz-0123456789', job: 'j0', expiresAt: Date.now() - 1000 },
          '52:54:00:00:00:23': { token: 'live-token-abcdefghijklmnop', job: 'j1', expiresAt: Date.now() + 3_600_000 },
          '52:54:00:00:00:24': { token: 'bad-report-token-0123456789', job: 'j1', expiresAt: Date.now() + 3_600_000, reports: [{ status: 'flying', at: 1 }] },
        }), { mode: 0o600 });
        const store = new TokenStore(late, b.service.tokens);
        expect(await store.macs()).to.deep.equal(['52:54:00:00:00:23']);
        const onDisk = await readFile(path, 'utf8');
        expect(onDisk).to.include('live-token-abcdefghijklmnop');
        expect(onDisk).to.not.include('an-old-racker-token').and.not.include('expired-token-xyz').and.not.include('bad-report-token');
      } finally {
        await removeTempDir(late);
      }
    });
  });

  it('never logs the token', () => {
    expect(JSON.stringify(b.logs)).to.not.include(TOKEN);
    expect(b.logs.filter((l) => l.msg === 'phone-home refused').length).to.be.greaterThan(5);
  });
});
