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

  const serve = async (body: unknown): Promise<void> => {
    agent = new FakeAgentApi(agentSocketPath(join(dir, 'run')), (req) => (req.url === '/v1/discovery' ? { status: 200, body } : { status: 404 }));
    await agent.start();
  };
  const seen = { firstSeen: '2026-12-06T06:00:00.000Z', lastSeen: '2026-12-06T06:05:00.000Z' };

  it('lists what the agent\'s discovery pool reports', async () => {
    await serve({ macs: [{ mac: '52-54-00-AA-BB-CC', ip: '172.24.213.241', vendorClass: 'PXEClient:Arch:00007', ...seen }, { mac: '0c:c4:7a:1b:2c:3d', hostname: 'localhost', ...seen }] });
    const s = await source().snapshot();
    expect(s).to.deep.equal({ available: true, source: 'agent discovery pool', macs: [
      { mac: '52:54:00:aa:bb:cc', ip: '172.24.213.241', hostname: undefined, vendor: 'QEMU (simulated)', kind: 'PXE', lastSeen: seen.lastSeen },
      { mac: '0c:c4:7a:1b:2c:3d', ip: undefined, hostname: 'localhost', vendor: 'Supermicro', kind: undefined, lastSeen: seen.lastSeen }] });
  });

  it('refuses a malformed or oversized answer whole, naming the field, and offers none of its MACs', async () => {
    const cases: [unknown, string][] = [
      [{ macs: [{ mac: '52:54:00:aa:bb:cc', ...seen }, { mac: 'nope', ...seen }] }, 'macs.1.mac: not a MAC address'],
      [{ macs: [{ ip: '1.2.3.4', ...seen }] }, 'macs.0.mac: Invalid input: expected string, received undefined'],
      [{ macs: [{ mac: '52:54:00:aa:bb:cc' }] }, 'macs.0.firstSeen: Invalid input: expected string, received undefined'],
      [{ macs: [{ mac: '52:54:00:aa:bb:cc', hostname: 'h'.repeat(5000), ...seen }] }, 'macs.0.hostname: Too big: expected string to have <=1024 characters'],
      [{ macs: Array.from({ length: 1025 }, (_, i) => ({ mac: `52:54:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`, ...seen })) }, 'macs: Too big: expected array to have <=1024 items'],
      [{ macs: 'all of them' }, 'macs: Invalid input: expected array, received string'],
      ['not json', 'the answer: Invalid input: expected object, received string'],
    ];
    for (const [body, problem] of cases) {
      await serve(body);
      expect(await source().snapshot(), problem).to.deep.equal({ available: false, message: `the agent's answer to GET /v1/discovery is not valid (${problem}): no discovery data` });
      await agent?.stop();
      agent = undefined;
    }
  });

  it('says what the agent answered when it offers no discovery endpoint', async () => {
    agent = new FakeAgentApi(agentSocketPath(join(dir, 'run')), () => ({ status: 404, body: { code: 'RACKER_E_NOT_FOUND', message: 'no such endpoint' } satisfies ErrorReply }));
    await agent.start();
    expect(await source().snapshot()).to.deep.equal({ available: false, message: 'the agent answered 404 to GET /v1/discovery: no discovery data' });
  });
});
