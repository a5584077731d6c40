/**
 * What the agent hears from the rack-internal network, in one place that outlives service
 * restarts: DHCP events from dnsmasq, request and phone-home events from the boot service, and the
 * phone-home tokens the boot service checks. Services are re-created on reload; the bus is not, so
 * the bootstrap's subscription survives a dnsmasq restart.
 */
import { Emitter } from '../../lib/emitter.js';
import type { Logger } from '../../lib/log.js';
import type { DhcpEvent } from '../../dhcp/events.js';
import type { BootEvent, PhoneHomeEvent } from '../../boot/events.js';
import { NodeTokens } from '../../boot/phone-home.js';
import type { ConnectionReport } from '../../boot/server.js';
import type { AgentMetrics } from '../../metrics/metrics.js';
import type { StateStore } from '../../state/state-store.js';
import { EventSampler } from '../../state/event-sampler.js';
import { toNodeHardware } from '../../inventory/hardware.js';
import type { TokenStore } from './token-store.js';

export class RackBus {
  readonly dhcp: Emitter<DhcpEvent>;
  readonly boot: Emitter<BootEvent>;
  /** Checked by the boot service on every phone-home; filled from the persisted tokens. */
  readonly tokens = new NodeTokens();
  /** The running boot service's connection figures, for the metrics (set when it is created). */
  bootConnections: (() => ConnectionReport) | undefined;

  constructor(log: Logger) {
    this.dhcp = new Emitter<DhcpEvent>((err) => log.error({ err }, 'a DHCP event listener failed'));
    this.boot = new Emitter<BootEvent>((err) => log.error({ err }, 'a boot event listener failed'));
  }
}

/**
 * Where the boot service keeps an accepted phone-home report before the node is told 204: a
 * hardware inventory in the node's record (state.json: it is the node's, not the job's, and is
 * compared with the next one), a progress report with the node's token (a resumed job hears it).
 */
export function reportKeeper(state: StateStore, tokens: TokenStore): (e: PhoneHomeEvent) => Promise<void> {
  return async (e) => {
    if (e.status !== 'inventory') return tokens.keepReport(e);
    if (e.inventory === undefined) return;
    state.recordHardware(e.mac, toNodeHardware(e.inventory, e.at.toISOString()));
    await state.persisted();
  };
}

/**
 * Turns the network's events into the agent's event log (what `racker status --full` and
 * GET /v1/events show) and into metrics. Only events about a node's progress are logged, not every
 * asset byte range.
 */
export function recordRackEvents(bus: RackBus, state: StateStore, metrics: AgentMetrics, macByAddress: (ip: string) => string | undefined, networkEventsPerSecond = 50): () => void {
  metrics.watchBootConnections(() => bus.bootConnections?.());
  // What any client on the network can cause at will is sampled; metrics still count every request.
  const sampler = new EventSampler(networkEventsPerSecond, (e) => state.event(e));
  const offDhcp = bus.dhcp.on((e) => {
    if (e.type === 'dhcp') {
      metrics.countDhcpMessage(e.message);
      if (e.status !== undefined && /no address/i.test(e.status)) metrics.countDhcpNoAddress(e.known ? 'inventory' : 'unknown');
      if (e.message === 'ACK') sampler.offer({ type: 'dhcp.ack', level: 'info', node: e.mac, message: `DHCP: ${e.mac} got ${e.ip ?? '?'}${e.bootFile === undefined ? '' : ` and boot file ${e.bootFile}`}` });
      else if (e.status !== undefined && !e.known) sampler.offer({ type: 'dhcp.unknown', level: 'info', message: `DHCP ${e.message} from ${e.mac}, which is not in nodes.csv: ${e.status}`, data: { mac: e.mac } });
    } else if (e.type === 'tftp') {
      const node = e.client === undefined ? undefined : macByAddress(e.client);
      sampler.offer({ type: `tftp.${e.outcome}`, level: e.outcome === 'sent' ? 'info' : 'warn', ...(node === undefined ? {} : { node }),
        message: `TFTP: ${e.outcome === 'sent' ? 'sent' : e.outcome === 'not-found' ? 'no such file' : 'failed to send'} ${e.file} ${e.outcome === 'sent' ? 'to' : 'for'} ${e.client ?? '?'}` });
    } else if (e.type === 'exited') {
      state.event({ type: 'dhcp.exited', level: 'warn', message: `dnsmasq (pid ${e.pid ?? '?'}) exited (code ${e.code ?? '-'}, signal ${e.signal ?? '-'}); restarting` });
    } else if (e.type === 'discovery') {
      state.event({ type: 'dhcp.discovery', level: 'info', message: `discovered ${e.mac} at ${e.ip ?? '?'} (vendor class ${e.vendorClass ?? 'none'})`, data: { mac: e.mac, ip: e.ip, vendorClass: e.vendorClass, hostname: e.hostname } });
    }
  });
  const offBoot = bus.boot.on((e) => {
    if (e.type === 'phone-home') {
      // An inventory is in the node's record already (reportKeeper), with its own event.
      if (e.status === 'inventory') return;
      state.event({ type: 'node.phone-home', level: e.status === 'failed' || e.status === 'refused' ? 'error' : 'info', node: e.mac, message: `${e.mac} reports ${e.status}${e.reason === undefined || e.reason === '' ? '' : `: ${e.reason}`}` });
      return;
    }
    metrics.countBootRequest(e.endpoint, e.status);
    if (e.endpoint !== 'assets' && e.endpoint !== 'home' && e.endpoint !== 'other') {
      // iPXE asks for /boot.ipxe without a mac label: the reservation tells whose address it is.
      const node = e.mac ?? macByAddress(e.clientIp);
      sampler.offer({ type: `boot.${e.endpoint}`, level: e.status >= 400 ? 'warn' : 'info', ...(node === undefined ? {} : { node }),
        message: `${e.clientIp} GET /${e.endpoint}${e.os === undefined ? '' : ` os=${e.os}`} → ${e.status}${e.group === undefined ? '' : ` (group ${e.group})`}` });
    }
  });
  return () => {
    offDhcp();
    offBoot();
    sampler.flush();
  };
}
