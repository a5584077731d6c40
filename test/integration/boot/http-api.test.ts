import { expect } from 'chai';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startBoot, type BootHarness } from '../../lib/boot-harness.js';
import { http } from '../../lib/http-client.js';
import { testData } from '../../lib/paths.js';

const TEXT = 'text/plain; charset=utf-8';
const MAC = '52-54-00-a1-9c-ae';

describe('boot service HTTP API (matchbox examples, real HTTP)', function () {
  let b: BootHarness;
  before(async () => { b = await startBoot({ fixture: testData('matchbox', 'examples') }); });
  after(async () => { await b?.stop(); });
  const get = (path: string, method = 'GET') => http({ port: b.port, path, method });

  it('/ answers matchbox\\n; other paths get Go\'s 404 body', async () => {
    const home = await get('/');
    expect([home.status, home.headers['content-type'], home.text]).to.deep.equal([200, TEXT, 'matchbox\n']);
    for (const path of ['/nope', '/ipxe/', '/assets', '/boot.ipxe.1']) {
      const r = await get(path);
      expect([r.status, r.text, r.headers['x-content-type-options']], path).to.deep.equal([404, '404 page not found\n', 'nosniff']);
    }
  });

  it('/boot.ipxe and /boot.ipxe.0 serve the bootstrap script', async () => {
    for (const path of ['/boot.ipxe', '/boot.ipxe.0']) {
      const r = await get(path);
      expect(r.status).to.equal(200);
      expect(r.text).to.equal('#!ipxe\nchain ipxe?uuid=${uuid}&mac=${mac:hexhyp}&domain=${domain}&hostname=${hostname}&serial=${serial}&arch=${buildarch:uristring}\n');
    }
  });

  it('/ipxe selects the install group for a new machine and the installed group after install', async () => {
    const install = await get(`/ipxe?uuid=&mac=${MAC}&domain=&hostname=&serial=&arch=x86_64`);
    expect(install.headers['content-type']).to.equal(TEXT);
    expect(install.text).to.equal('#!ipxe\nkernel /assets/flatcar/3227.2.0/flatcar_production_pxe.vmlinuz initrd=flatcar_production_pxe_image.cpio.gz '
      + 'flatcar.config.url=http://matchbox.example.com:8080/ignition?uuid=${uuid}&mac=${mac:hexhyp} flatcar.first_boot=yes flatcar.autologin\n'
      + 'initrd /assets/flatcar/3227.2.0/flatcar_production_pxe_image.cpio.gz\nboot\n');
    const ev = b.events.at(-1);
    expect(ev).to.include({ type: 'request', endpoint: 'ipxe', mac: '52:54:00:a1:9c:ae', clientIp: '127.0.0.1', status: 200, group: 'stage-0', profile: 'flatcar-install' });
    const installed = await get(`/ignition?mac=${MAC}&os=installed`);
    expect(installed.headers['content-type']).to.equal('application/json');
    // What matchbox serves for examples/ignition/flatcar.ign (a 3.4.0 file stays 3.4.0).
    expect(installed.text).to.equal('{"ignition":{"config":{"replace":{"verification":{}}},"proxy":{},"security":{"tls":{}},"timeouts":{},"version":"3.4.0"},'
      + '"kernelArguments":{},"passwd":{"users":[{"name":"core","sshAuthorizedKeys":["ssh-ed25519 SET_PUBKEY_HERE"]}]},"storage":{},"systemd":{}}');
    expect(b.events.at(-1)).to.include({ endpoint: 'ignition', group: 'stage-1', profile: 'flatcar' });
  });

  it('/metadata is an env file of metadata, selectors and request (text/plain, sorted)', async () => {
    const r = await get(`/metadata?mac=${MAC}&os=installed&foo=bar`);
    expect([r.status, r.headers['content-type']]).to.deep.equal([200, TEXT]);
    expect(r.text).to.equal(`OS=installed\nREQUEST_QUERY_FOO=bar\nREQUEST_QUERY_MAC=52:54:00:a1:9c:ae\nREQUEST_QUERY_OS=installed\nREQUEST_RAW_QUERY=mac=${MAC}&os=installed&foo=bar\n`);
  });

  it('/generic without a generic file and /grub are answered like matchbox', async () => {
    expect((await get('/generic')).status).to.equal(404);
    const grub = await get('/grub?os=installed');
    expect(grub.text).to.match(/^default=0\nfallback=1\ntimeout=1\nmenuentry "CoreOS \(EFI\)" \{\n/);
  });

  it('HEAD sends the headers only; other methods get 405', async () => {
    const head = await get(`/ipxe?mac=${MAC}`, 'HEAD');
    expect([head.status, head.body.length, Number(head.headers['content-length']) > 100]).to.deep.equal([200, 0, true]);
    const post = await get('/ipxe', 'POST');
    expect([post.status, post.headers.allow]).to.deep.equal([405, 'GET, HEAD']);
  });

  it('bad queries get 400 with the reason and an event', async () => {
    const bad = await get('/ipxe?mac=not-a-mac');
    expect([bad.status, bad.text]).to.deep.equal([400, '400 bad request: mac=not-a-mac is not a MAC address (expected e.g. 52-54-00-a1-9c-ae)\n']);
    expect((await get('/ignition?x=%zz')).status).to.equal(400);
    expect(b.events.at(-1)).to.include({ endpoint: 'ignition', status: 400 });
  });

  it('logs every request through pino', async () => {
    await get('/boot.ipxe?trace=1');
    const line = b.logs.find((l) => l.msg === 'http' && l.url === '/boot.ipxe?trace=1');
    expect(line).to.include({ component: 'boot', method: 'GET', status: 200, client: '127.0.0.1', level: 'info' });
  });

  it('reloads groups when a file changes, and keeps serving when one is broken', async () => {
    let reloaded = b.nextReload();
    await writeFile(join(b.dataDir, 'groups', 'node.json'), JSON.stringify({ id: 'node', profile: 'flatcar', selector: { mac: MAC } }));
    await reloaded;
    await get(`/ipxe?mac=${MAC}`);
    expect(b.events.at(-1)).to.include({ group: 'node', profile: 'flatcar' });

    reloaded = b.nextReload();
    await writeFile(join(b.dataDir, 'groups', 'broken.json'), '{"selector": {"mac": "zz"}');
    const data = await reloaded;
    expect(data.problems.map((p) => p.file)).to.deep.equal([join(b.dataDir, 'groups', 'broken.json')]);
    expect(b.logs.some((l) => l.level === 'warn' && l.file === join(b.dataDir, 'groups', 'broken.json'))).to.equal(true);
    expect((await get(`/ipxe?mac=${MAC}`)).status).to.equal(200);

    reloaded = b.nextReload();
    await rm(join(b.dataDir, 'groups', 'node.json'));
    await reloaded;
    await get(`/ipxe?mac=${MAC}`);
    expect(b.events.at(-1)).to.include({ group: 'stage-0' });
  });
});

describe('boot service templates, Butane and errors (real HTTP)', function () {
  let b: BootHarness;
  before(async () => { b = await startBoot({ fixture: testData('matchbox', 'racker') }); });
  after(async () => { await b?.stop(); });
  const get = (path: string) => http({ port: b.port, path });

  it('renders a Butane template per request with metadata, selectors and the query', async () => {
    const r = await get('/ignition?mac=52:54:00:00:00:01&x=1');
    expect([r.status, r.headers['content-type']]).to.deep.equal([200, 'application/json']);
    const ign = JSON.parse(r.text) as { ignition: { version: string }; passwd: { users: { sshAuthorizedKeys: string[] }[] }; systemd: { units: { dropins: { contents: string }[] }[] } };
    expect(ign.ignition.version).to.equal('3.3.0');
    expect(ign.passwd.users[0]?.sshAuthorizedKeys).to.deep.equal(['ssh-ed25519 AAAA key-one', 'ssh-ed25519 BBBB key-two']);
    expect(ign.systemd.units[0]?.dropins[0]?.contents).to.equal('[Service]\nEnvironment=RAW_QUERY=mac=52:54:00:00:00:01&x=1\n');
  });

  it('renders generic templates', async () => {
    const r = await get('/generic?mac=52:54:00:00:00:01&x=42');
    expect([r.status, r.headers['content-type'], r.text]).to.deep.equal([200, TEXT, 'HOST=purple-1\nQ=42\n']);
  });

  it('a missing template key is a 500 naming the key; unsupported Butane a 501 naming the part; no boot section a 404', async () => {
    const missing = await get('/ignition?case=missing');
    expect(missing.status).to.equal(500);
    expect(missing.text).to.match(/^500 rendering missing-key.yaml failed: .*map has no entry for key "nope"\n$/);
    const unsupported = await get('/ignition?case=unsupported');
    expect(unsupported.status).to.equal(501);
    expect(unsupported.text).to.include('storage.disks');
    expect((await get('/ipxe?case=noboot')).status).to.equal(404);
    expect(b.logs.some((l) => l.level === 'error' && String(l.reason).includes('no entry for key "nope"'))).to.equal(true);
  });
});
