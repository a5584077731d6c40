import { expect } from 'chai';
import { startBoot, type BootHarness } from '../../lib/boot-harness.js';
import { http } from '../../lib/http-client.js';
import { testData } from '../../lib/paths.js';

// Loopback has all of 127.0.0.0/8, so 127.0.0.2 stands in for node 1's reserved address.
const NODE1 = '52:54:00:00:00:01';
const reservations = new Map([[NODE1, '127.0.0.2']]);

describe('boot service: a node\'s configuration only goes to its reserved address', function () {
  let b: BootHarness;
  before(async () => { b = await startBoot({ fixture: testData('matchbox', 'racker'), access: { reserved: [...reservations] } }); });
  after(async () => { await b?.stop(); });
  const get = (path: string, localAddress: string) => http({ port: b.port, path, localAddress });

  it('serves /ignition, /metadata and /generic to the node\'s address and 403 to any other', async () => {
    for (const path of [`/ignition?mac=${NODE1}`, `/metadata?mac=${NODE1}`, `/generic?mac=${NODE1}&x=1`, `/ignition?mac=${NODE1}&os=installed`]) {
      expect((await get(path, '127.0.0.2')).status, path).to.equal(200);
      const other = await get(path, '127.0.0.1');
      expect([other.status, other.text], path).to.deep.equal([403, "403 forbidden: this node's configuration is only served to its reserved address\n"]);
    }
    const warn = b.logs.find((l) => l.msg === 'refused a node configuration to another address');
    expect(warn).to.include({ client: '127.0.0.1', level: 'warn' });
    expect(b.events.at(-1)).to.include({ endpoint: 'ignition', status: 403, clientIp: '127.0.0.1', mac: NODE1 });
  });

  it('boot scripts are not restricted (they carry no secrets)', async () => {
    expect((await get(`/ipxe?mac=${NODE1}`, '127.0.0.1')).status).to.equal(200);
  });

  it('groups without a MAC selector are served to anyone', async () => {
    expect((await get('/ignition?case=legacy', '127.0.0.3')).status).to.equal(200);
  });
});

describe('boot service: restriction off (boot.restrictIgnitionToNode=false)', function () {
  let b: BootHarness;
  before(async () => { b = await startBoot({ fixture: testData('matchbox', 'racker') }); });
  after(async () => { await b?.stop(); });

  it('serves a node\'s Ignition to any address', async () => {
    expect((await http({ port: b.port, path: `/ignition?mac=${NODE1}`, localAddress: '127.0.0.1' })).status).to.equal(200);
  });
});
