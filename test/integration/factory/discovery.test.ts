import { expect } from 'chai';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';
import { FakeAgentApi } from '../../lib/fake-agent-api.js';
import { AgentDiscoverySource } from '../../../factory/discovery.js';
import { agentSocketPath } from '../../../factory/agent-client.js';
import { leaseFilePath } from '../../../factory/dnsmasq-leases.js';

describe('factory discovery source (real unix socket and lease file)', () => {
  let dir: string;
  let agent: FakeAgentApi | undefined;
  beforeEach(async () => {
    dir = await makeTempDir();
    await mkdir(join(dir, 'run'));
  });
  afterEach(async () => {
    await agent?.stop();
    agent = undefined;
    await removeTempDir(dir);
  });
  const source = () => new AgentDiscoverySource(agentSocketPath(join(dir, 'run')), leaseFilePath(join(dir, 'state')));

  it('says the agent is not running and there is no data when there is neither socket nor lease file', async () => {
    expect(await source().snapshot()).to.deep.equal({ available: false, message: 'agent not running: no discovery data' });
  });

  it('falls back to the dnsmasq lease file when the agent is not running', async () => {
    await mkdir(join(dir, 'state', 'dnsmasq'), { recursive: true });
    await writeFile(leaseFilePath(join(dir, 'state')), '1706702462 0c:c4:7a:01:02:03 172.24.213.240 * *\n');
    const s = await source().snapshot();
    expect(s.available).to.equal(true);
    if (!s.available) return;
    expect(s.source).to.match(/^agent not running; from .*dnsmasq\.leases$/);
    expect(s.macs).to.deep.equal([{ mac: '0c:c4:7a:01:02:03', ip: '172.24.213.240', hostname: undefined, vendor: 'Supermicro', kind: undefined, lastSeen: undefined }]);
  });

  it('lists what the agent\'s discovery pool reports, ignoring malformed entries', async () => {
    agent = new FakeAgentApi(agentSocketPath(join(dir, 'run')), (req) => (req.url === '/v1/discovery'
      ? { status: 200, body: { macs: [{ mac: '52-54-00-AA-BB-CC', ip: '172.24.213.241', vendorClass: 'PXEClient:Arch:00007' }, { mac: 'nope' }, { ip: '1.2.3.4' }] } }
      : { status: 404 }));
    await agent.start();
    const s = await source().snapshot();
    expect(s).to.deep.equal({ available: true, source: 'agent discovery pool', macs: [
      { mac: '52:54:00:aa:bb:cc', ip: '172.24.213.241', hostname: undefined, vendor: 'QEMU (simulated)', kind: 'PXE', lastSeen: undefined }] });
  });

  it('says what the agent answered when it offers no discovery endpoint', async () => {
    agent = new FakeAgentApi(agentSocketPath(join(dir, 'run')), () => ({ status: 404, body: { error: { message: 'no such endpoint' } } }));
    await agent.start();
    expect(await source().snapshot()).to.deep.equal({ available: false, message: 'the agent answered 404 to GET /v1/discovery: no discovery data' });
  });
});
