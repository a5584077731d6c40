/**
 * Making an installed version the running one, shared by install and `racker rollback`: flip
 * `current`, install the version's units, reload systemd, restart the agent if it was running and
 * wait until it is ready. If it does not become ready, flip back, restore the old units, restart
 * the old version, and say so.
 */
import { ErrorCodes, RackerError } from '../../agent/lib/errors.js';
import type { Logger } from '../../agent/lib/log.js';
import type { Host } from './host.js';
import type { ServiceManager } from './service-manager.js';
import { installUnits } from './units.js';
import { UNIT_DIR, type VersionStore } from './version-store.js';

export interface SwitchDeps {
  host: Host;
  store: VersionStore;
  services: ServiceManager;
  log: Logger;
  agentUnit: string;
  readyTimeoutMs: number;
  /** A line for the operator. */
  say: (line: string) => void;
}

export interface SwitchResult {
  from: string | undefined;
  to: string;
  /** Whether the agent was restarted (it was running and something changed). */
  restarted: boolean;
  agentRunning: boolean;
  unitsChanged: string[];
}

export async function switchVersion(to: string, d: SwitchDeps): Promise<SwitchResult> {
  const from = await d.store.current();
  const previous = await d.store.previous();
  const unitDir = d.host.path(UNIT_DIR);
  const agentRunning = await d.services.isActive(d.agentUnit);
  await d.store.makeCurrent(to, from);
  const unitsChanged = await installUnits(unitDir, d.store.versionDir(to), from === undefined ? undefined : d.store.versionDir(from));
  if (unitsChanged.length > 0) await d.services.daemonReload();
  if (!agentRunning || (from === to && unitsChanged.length === 0)) {
    await d.store.recordHistory(to);
    return { from, to, restarted: false, agentRunning, unitsChanged };
  }
  d.say(`restarting ${d.agentUnit} on racker ${to}`);
  const ready = await d.services.restartAndWait(d.agentUnit, d.readyTimeoutMs);
  if (ready.ready) {
    await d.store.recordHistory(to);
    return { from, to, restarted: true, agentRunning, unitsChanged };
  }
  d.log.error({ version: to, observed: ready.observed }, 'new version did not become ready');
  if (from === undefined || from === to) {
    throw new RackerError(ErrorCodes.install, `racker ${to} did not become ready after restarting ${d.agentUnit} (observed: ${ready.observed}), and there is no other version to go back to`,
      { hint: `see journalctl -u ${d.agentUnit}` });
  }
  d.say(`racker ${to} did not become ready (observed: ${ready.observed}); rolling back to ${from}`);
  await d.store.restoreLinks(from, previous);
  if ((await installUnits(unitDir, d.store.versionDir(from), d.store.versionDir(to))).length > 0) await d.services.daemonReload();
  const back = await d.services.restartAndWait(d.agentUnit, d.readyTimeoutMs);
  const outcome = back.ready
    ? `rolled back to ${from}, which is running again`
    : `rolled back to ${from}, but it did not become ready either (observed: ${back.observed})`;
  throw new RackerError(ErrorCodes.install, `racker ${to} did not become ready after restarting ${d.agentUnit} (observed: ${ready.observed}); ${outcome}`,
    { hint: `see journalctl -u ${d.agentUnit} for why ${to} failed` });
}

/** What a switch did, for the operator. */
export function renderSwitch(r: { from: string | undefined; to: string; restarted: boolean; agentRunning: boolean; pruned?: string[] }, agentUnit: string): string {
  const lines = [r.from === r.to ? `racker ${r.to} is current` : `racker ${r.to} is now current${r.from === undefined ? '' : ` (was ${r.from})`}`];
  if (r.restarted) lines.push(`${agentUnit} restarted and ready`);
  else if (!r.agentRunning) lines.push(`${agentUnit} is not running; start it with: systemctl enable --now ${agentUnit}`);
  if (r.pruned !== undefined && r.pruned.length > 0) lines.push(`removed old versions: ${r.pruned.join(', ')}`);
  return lines.join('\n');
}
