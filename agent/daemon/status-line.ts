/** The one human line systemd shows for the agent (`systemctl status racker-agent`). Pure. */
import { FINISHED_JOB_STATES, type JobRecord, type NodeRecord } from '../state/records.js';

export function statusLine(nodes: readonly NodeRecord[], jobs: readonly JobRecord[]): string {
  const rack = nodes.filter((n) => n.inInventory && !n.isManagement);
  const active = jobs.find((j) => !FINISHED_JOB_STATES.includes(j.state));
  const unreachable = rack.filter((n) => n.bmc.reachable === false).length;
  const bmc = unreachable > 0 ? `, ${unreachable} BMC${unreachable === 1 ? '' : 's'} unreachable` : '';
  if (active !== undefined) {
    const p = active.progress;
    const waiting = active.state === 'waiting' ? ', waiting for an answer' : '';
    return `bootstrapping: ${p.ready}/${p.total} ready, ${p.failed} failed${p.excluded > 0 ? `, ${p.excluded} excluded` : ''}${waiting}${bmc}`;
  }
  const provisioned = rack.filter((n) => n.phase.name === 'provisioned').length;
  const failed = rack.filter((n) => n.phase.name === 'failed').length;
  return `ready: ${rack.length} node${rack.length === 1 ? '' : 's'}, ${provisioned} provisioned${failed > 0 ? `, ${failed} failed` : ''}${bmc}`;
}
