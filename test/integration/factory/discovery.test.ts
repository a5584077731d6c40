import { expect } from 'chai';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';
import { FakeAgentApi } from '../../lib/fake-agent-api.js';
import { AgentDiscoverySource } from '../../../factory/discovery.js';
import { agentSocketPath } from '../../../factory/agent-client.js';
import type { ErrorReply } from '../../../agent/api/replies.js';

// The lease-file fallback is tested against the real dnsmasq in test/integration/dhcp/dnsmasq.test.ts.
describe('factory discovery source (real unix socket)', () => {
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
  const source = () => new AgentDiscoverySource({ runDir: join(dir, 'run'), stateDir: join(dir, 'state') });

  it('says the agent is not running and there is no data when there is neither socket nor lease file', async () => {
    expect(await source().snapshot()).to.deep.equal({ available: false, message: 'agent not running: no discovery data' });
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
    agent = new FakeAgentApi(agentSocketPath(join(dir, 'run')), () => ({ status: 404, body: { code: 'RACKER_E_NOT_FOUND', message: 'no such endpoint' } satisfies ErrorReply }));
    await agent.start();
    expect(await source().snapshot()).to.deep.equal({ available: false, message: 'the agent answered 404 to GET /v1/discovery: no discovery data' });
  });
});
