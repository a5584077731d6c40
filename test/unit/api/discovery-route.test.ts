import { expect } from 'chai';
import type { ServerResponse } from 'node:http';
import { ROUTES, type ControlBackend, type RouteContext } from '../../../agent/api/routes.js';
import type { DiscoveredMac } from '../../../agent/state/discovered-macs.js';
import type { NodeRecord } from '../../../agent/state/records.js';

/** GET /v1/discovery against a backend whose event log must not be read. */
async function getDiscovery(macs: DiscoveredMac[], nodes: Partial<NodeRecord>[]): Promise<{ status: number; body: unknown; logReads: number }> {
  let logReads = 0;
  const backend = {
    nodes: () => nodes as NodeRecord[],
    discoveredMacs: () => macs,
    readEvents: async () => { logReads += 1; return []; },
  } as unknown as ControlBackend;
  let status = 0;
  let text = '';
  const res = { writeHead: (s: number) => { status = s; }, end: (t: string) => { text = t; } } as unknown as ServerResponse;
  const route = ROUTES.find((r) => r.method === 'GET' && r.path.test('/v1/discovery'));
  if (route === undefined) throw new Error('no GET /v1/discovery route');
  await route.handle({ res, backend, params: [], query: new URLSearchParams() } as unknown as RouteContext);
  return { status, body: JSON.parse(text) as unknown, logReads };
}

describe('api: GET /v1/discovery', () => {
  const seen = { firstSeen: '2030-01-01T00:00:00.000Z', lastSeen: '2030-01-01T00:01:00.000Z' };

  it('answers from the agent\'s memory, not the event log, leaving out the rack\'s own MACs', async () => {
    const r = await getDiscovery(
      [{ mac: '0a:00:00:00:00:01', ip: '172.24.213.240', vendorClass: 'PXEClient:Arch:00007', ...seen }, { mac: '02:00:00:00:01:01', ...seen }],
      [{ mac: '02:00:00:00:00:01', bmc: { mac: '02:00:00:00:01:01' } as NodeRecord['bmc'], secondaryMac: '02:00:00:00:02:01' }],
    );
    expect(r.status).to.equal(200);
    expect(r.body).to.deep.equal({ macs: [{ mac: '0a:00:00:00:00:01', ip: '172.24.213.240', vendorClass: 'PXEClient:Arch:00007', ...seen }] });
    expect(r.logReads).to.equal(0);
  });
});
