/**
 * What a new bootstrap leaves alone: the nodes whose record in the agent's state (state.json) says
 * an earlier job provisioned them. The agent's job and `racker bootstrap --dry-run` both decide with
 * this, from the same records, so the dry run shows what the run will do. `--reprovision` overrides
 * it; failed, excluded, cancelled and new nodes are always run.
 */
import type { NodeRecord } from '../agent/state/records.js';

/** Primary MAC → why the node is skipped, for every provisioned node. */
export function provisionedNodes(records: readonly Pick<NodeRecord, 'mac' | 'phase'>[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of records) {
    if (r.phase.name !== 'provisioned') continue;
    out.set(r.mac, `already provisioned${r.phase.job === undefined ? '' : ` by job ${r.phase.job}`} (${r.phase.since}); --reprovision reinstalls it`);
  }
  return out;
}

/**
 * Primary MACs of the servers racker installed at some time (their disk holds racker's install, so
 * a reinstall may overwrite it): recorded at `provisioned`; records from before that field count
 * by their phase history.
 */
export function installedNodes(records: readonly Pick<NodeRecord, 'mac' | 'phase' | 'installedAt'>[]): Set<string> {
  return new Set(records.filter((r) => r.installedAt !== undefined || r.phase.name === 'provisioned' || r.phase.history.some((h) => h.name === 'provisioned')).map((r) => r.mac));
}
