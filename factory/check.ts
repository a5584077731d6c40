/**
 * `racker factory check`: validate the OEM metadata and the configuration, report every problem
 * with its file and line and a fix, then summarise the rack. Reads only the configuration and the
 * OEM files (and the local interface list); changes nothing.
 */
import type { Config } from '../agent/config/schema.js';
import type { Problem } from '../agent/lib/errors.js';
import { inspectInventory } from '../agent/inventory/inventory.js';

export interface CheckSummary {
  nodes: number;
  toProvision: number;
  nodeTypes: Record<string, number>;
  managementNode: { line: number; primaryMac: string; hostname: string } | undefined;
  pxeInterface: string | undefined;
  subnet: string;
  managementAddress: string | undefined;
}

export interface CheckReport {
  valid: boolean;
  problems: Problem[];
  warnings: Problem[];
  summary: CheckSummary | undefined;
}

export async function factoryCheck(config: Config, configProblems: readonly Problem[]): Promise<CheckReport> {
  const report = await inspectInventory(config, { usePersistedPlan: false });
  const problems = [...configProblems, ...report.problems];
  const inv = report.inventory;
  let summary: CheckSummary | undefined;
  if (inv !== undefined) {
    const nodeTypes: Record<string, number> = {};
    for (const n of inv.workers) nodeTypes[n.nodeType] = (nodeTypes[n.nodeType] ?? 0) + 1;
    summary = {
      nodes: inv.nodes.length,
      toProvision: inv.workers.length,
      nodeTypes,
      managementNode: { line: inv.management.line, primaryMac: inv.management.primaryMac, hostname: inv.management.hostname },
      pxeInterface: inv.pxeInterface,
      subnet: inv.plan.subnet.cidr,
      managementAddress: inv.plan.managementAddress,
    };
  }
  return { valid: problems.length === 0, problems, warnings: report.warnings, summary };
}

export function renderCheckReport(r: CheckReport): string {
  const out: string[] = [];
  const fmt = (p: Problem): string => {
    const where = p.line === undefined ? p.file : `${p.file}:${p.line}`;
    const field = p.field === undefined ? '' : ` ${p.field}:`;
    return `${where}:${field} ${p.message}${p.hint === undefined ? '' : `\n    fix: ${p.hint}`}`;
  };
  for (const p of r.problems) out.push(`✗ ${fmt(p)}`);
  for (const w of r.warnings) out.push(`! ${fmt(w)}`);
  if (r.summary !== undefined) {
    const s = r.summary;
    const types = Object.entries(s.nodeTypes).sort(([a], [b]) => a.localeCompare(b)).map(([t, n]) => `${t === '' ? '(no type)' : t} ×${n}`);
    out.push(
      `nodes:           ${s.nodes} (${s.toProvision} to provision, 1 management node)`,
      `node types:      ${types.length === 0 ? 'none' : types.join(', ')}`,
      `management node: line ${s.managementNode?.line ?? '?'}, ${s.managementNode?.hostname ?? '?'} (${s.managementNode?.primaryMac ?? '?'})`,
      `PXE interface:   ${s.pxeInterface ?? '?'} (${s.managementAddress ?? '?'} on ${s.subnet})`,
    );
  }
  const n = r.problems.length;
  out.push(r.valid ? `✓ the rack metadata is valid${r.warnings.length > 0 ? ` (${r.warnings.length} warning${r.warnings.length === 1 ? '' : 's'})` : ''}`
    : `✗ ${n} problem${n === 1 ? '' : 's'} found; nothing was changed`);
  return out.join('\n');
}
