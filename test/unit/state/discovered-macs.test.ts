import { expect } from 'chai';
import { DiscoveredMacs } from '../../../agent/state/discovered-macs.js';
import { EventLog, type AgentEvent, type EventQuery, type NewEvent } from '../../../agent/state/event-log.js';
import { silentLogger } from '../../../agent/lib/log.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';

const sighting = (mac: string, data: Record<string, unknown> = {}): NewEvent => ({ type: 'dhcp.discovery', level: 'info', message: `discovered ${mac}`, data: { mac, ...data } });

/** The real event log, counting how often it is read. */
function countingLog(log: EventLog): { source: Pick<EventLog, 'read' | 'subscribe'>; reads: () => number } {
  let reads = 0;
  return {
    source: { read: async (q?: EventQuery) => { reads += 1; return log.read(q); }, subscribe: (l) => log.subscribe(l) },
    reads: () => reads,
  };
}

describe('state/discovered-macs', () => {
  let dir: string;
  let log: EventLog;
  let discovered: DiscoveredMacs | undefined;

  beforeEach(async () => {
    dir = await makeTempDir();
    log = new EventLog({ dir, maxBytes: 1 << 20, keep: 1, log: silentLogger() });
    await log.open();
  });
  afterEach(async () => {
    await discovered?.stop();
    discovered = undefined;
    await log.close();
    await removeTempDir(dir);
  });

  it('reads the log once at start and follows new events without reading it again', async () => {
    log.append(sighting('0a:00:00:00:00:01', { ip: '172.24.213.240', vendorClass: 'PXEClient:Arch:00007' }));
    log.append({ type: 'dhcp.ack', level: 'info', message: 'not a discovery', data: { mac: '0a:00:00:00:00:09' } });
    await log.flush();
    const { source, reads } = countingLog(log);
    discovered = new DiscoveredMacs(source);
    await discovered.start();
    expect(discovered.list().map((m) => m.mac)).to.deep.equal(['0a:00:00:00:00:01']);
    log.append(sighting('0a:00:00:00:00:02', { ip: '172.24.213.241' }));
    for (let i = 0; i < 5; i++) expect(discovered.list().map((m) => m.mac)).to.deep.equal(['0a:00:00:00:00:01', '0a:00:00:00:00:02']);
    expect(reads()).to.equal(1);
  });

  it('keeps first and last seen and the latest address, and a vendor class a later packet lacks', async () => {
    let now = Date.parse('2030-01-01T00:00:00.000Z');
    const clocked = new EventLog({ dir, maxBytes: 1 << 20, keep: 1, log: silentLogger(), now: () => new Date(now) });
    await log.close();
    await clocked.open();
    log = clocked;
    discovered = new DiscoveredMacs(log);
    await discovered.start();
    log.append(sighting('0a:00:00:00:00:01', { ip: '172.24.213.240', vendorClass: 'PXEClient:Arch:00007', hostname: 'spare' }));
    now += 60_000;
    log.append(sighting('0a:00:00:00:00:01', { ip: '172.24.213.241' }));
    expect(discovered.list()).to.deep.equal([{
      mac: '0a:00:00:00:00:01', ip: '172.24.213.241', hostname: 'spare', vendorClass: 'PXEClient:Arch:00007',
      firstSeen: '2030-01-01T00:00:00.000Z', lastSeen: '2030-01-01T00:01:00.000Z',
    }]);
  });

  it('keeps only the newest `limit` MACs by last sighting, answering in first-seen order', async () => {
    discovered = new DiscoveredMacs(log, 3);
    await discovered.start();
    for (const n of [1, 2, 3]) log.append(sighting(`0a:00:00:00:00:0${n}`));
    log.append(sighting('0a:00:00:00:00:01')); // seen again: now 02 is the one seen longest ago
    log.append(sighting('0a:00:00:00:00:04'));
    log.append(sighting('0a:00:00:00:00:05'));
    expect(discovered.list().map((m) => m.mac)).to.deep.equal(['0a:00:00:00:00:01', '0a:00:00:00:00:04', '0a:00:00:00:00:05']);
    for (let n = 0; n < 2000; n++) log.append(sighting(`0b:00:00:00:${(n >> 8).toString(16).padStart(2, '0')}:${(n & 255).toString(16).padStart(2, '0')}`));
    expect(discovered.list()).to.have.length(3);
  });

  it('bounds what it seeds from a long log too (1,024 by default)', async () => {
    for (let n = 0; n < 1100; n++) log.append(sighting(`0b:00:00:00:${(n >> 8).toString(16).padStart(2, '0')}:${(n & 255).toString(16).padStart(2, '0')}`));
    await log.flush();
    discovered = new DiscoveredMacs(log);
    await discovered.start();
    const macs = discovered.list().map((m) => m.mac);
    expect(macs).to.have.length(1024);
    expect(macs[0]).to.equal('0b:00:00:00:00:4c'); // 1100 - 1024 = 76 = 0x4c: the oldest were dropped
    expect(macs.at(-1)).to.equal('0b:00:00:00:04:4b');
  });

  it('loses and repeats nothing appended while the log is being read', async () => {
    const listeners: ((e: AgentEvent) => void)[] = [];
    const at = '2030-01-01T00:00:00.000Z';
    const ev = (seq: number, mac: string): AgentEvent => ({ seq, at, ...sighting(mac) });
    const source: Pick<EventLog, 'read' | 'subscribe'> = {
      subscribe: (l) => { listeners.push(l); return () => listeners.splice(listeners.indexOf(l), 1); },
      read: async () => {
        // Two events arrive mid-read; the second is also already on disk when the read finishes.
        for (const l of listeners) { l(ev(2, '0a:00:00:00:00:02')); l(ev(3, '0a:00:00:00:00:03')); }
        return [ev(1, '0a:00:00:00:00:01'), ev(2, '0a:00:00:00:00:02')];
      },
    };
    discovered = new DiscoveredMacs(source);
    await discovered.start();
    for (const l of listeners) l(ev(4, '0a:00:00:00:00:04'));
    expect(discovered.list().map((m) => m.mac)).to.deep.equal(['0a:00:00:00:00:01', '0a:00:00:00:00:02', '0a:00:00:00:00:03', '0a:00:00:00:00:04']);
    await discovered.stop();
    expect(listeners).to.have.length(0);
  });
});
