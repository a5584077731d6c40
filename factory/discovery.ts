/**
 * What the discovery panel shows: MACs that asked for an address on the internal network. The
 * agent's discovery pool (dhcp.discovery) leases addresses to unknown MACs and reports them over
 * the control API; when the agent is not running, dnsmasq's lease file is the next best record.
 * The TUI depends only on the DiscoverySource interface (a fake one in test/lib).
 *
 * Contract with the agent (see docs/api.md): `GET /v1/discovery` answers
 * `{"macs": [{"mac", "ip"?, "hostname"?, "vendorClass"?, "firstSeen", "lastSeen"}]}`, checked
 * against its schema (agent/api/replies.ts) always, whatever version the agent is: what it lists
 * becomes rows of nodes.csv. An answer that does not fit is refused whole, saying which field,
 * and the lease file is read instead.
 */
import { normalizeMac, type Mac } from '../agent/lib/mac.js';
import { REPLIES, type Replies } from '../agent/api/replies.js';
import type { Config } from '../agent/config/schema.js';
import { stateFiles } from '../agent/config/paths.js';
import { agentRequest, agentSocketPath } from './agent-client.js';
import { readLeaseFile } from '../agent/dhcp/leases.js';
import { vendorOf } from './oui.js';
import { errorMessage } from '../agent/lib/errors.js';
import { firstIssue, type SchemaIssue } from '../agent/lib/schema-issue.js';

export interface DiscoveredMac {
  mac: Mac;
  ip: string | undefined;
  hostname: string | undefined;
  /** Vendor by OUI, when known. */
  vendor: string | undefined;
  /** `PXE` when the DHCP vendor class says it is a network boot, else undefined. */
  kind: string | undefined;
  lastSeen: string | undefined;
}

export type DiscoverySnapshot =
  | { available: true; source: string; macs: DiscoveredMac[] }
  | { available: false; message: string };

export interface DiscoverySource {
  snapshot(): Promise<DiscoverySnapshot>;
}

export function discovered(mac: Mac, extra: Partial<Omit<DiscoveredMac, 'mac' | 'vendor'>> = {}): DiscoveredMac {
  return { mac, ip: extra.ip, hostname: extra.hostname, vendor: vendorOf(mac), kind: extra.kind, lastSeen: extra.lastSeen };
}

/** The real source: the agent's control socket, then the lease file its dnsmasq writes. Never throws. */
export class AgentDiscoverySource implements DiscoverySource {
  private readonly socketPath: string;
  private readonly leaseFile: string;

  constructor(paths: Pick<Config['paths'], 'runDir' | 'stateDir'>) {
    this.socketPath = agentSocketPath(paths.runDir);
    this.leaseFile = stateFiles(paths.stateDir).dhcp.leases;
  }

  async snapshot(): Promise<DiscoverySnapshot> {
    let agentNote: string;
    try {
      const res = await agentRequest(this.socketPath, 'GET', '/v1/discovery', { timeoutMs: 3_000 });
      const answer = res.running && res.status === 200 ? REPLIES.discovery.safeParse(res.body) : undefined;
      if (answer?.success === true) return { available: true, source: 'agent discovery pool', macs: answer.data.macs.map(fromAgent) };
      agentNote = answer !== undefined ? `the agent's answer to GET /v1/discovery is not valid (${describe(firstIssue(answer.error, { top: 'the answer' }))})`
        : res.running ? `the agent answered ${res.status} to GET /v1/discovery` : 'agent not running';
    } catch (e) {
      agentNote = errorMessage(e);
    }
    try {
      const leases = await readLeaseFile(this.leaseFile);
      if (leases !== undefined && leases.length > 0) {
        return { available: true, source: `${agentNote}; from ${this.leaseFile}`, macs: leases.map((l) => discovered(l.mac, { ip: l.ip, hostname: l.hostname })) };
      }
    } catch (e) {
      return { available: false, message: `${agentNote}: no discovery data (${errorMessage(e)})` };
    }
    return { available: false, message: `${agentNote}: no discovery data` };
  }
}

function fromAgent(m: Replies['discovery']['macs'][number]): DiscoveredMac {
  return discovered(normalizeMac(m.mac) as Mac, { ip: m.ip, hostname: m.hostname, lastSeen: m.lastSeen, kind: m.vendorClass?.startsWith('PXEClient') === true ? 'PXE' : undefined });
}

/** "macs.3.mac: not a MAC address": where the answer went wrong, short enough for the panel. */
const describe = (i: SchemaIssue): string => `${i.field}: ${i.message}`.slice(0, 200);
