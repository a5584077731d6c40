/**
 * What a node's BMC says about its server, in one line, for events and `racker status --full`.
 * Apart from bmc-facts.ts so the CLI's status path does not load zod for it.
 */
import type { BmcFacts } from './bmc-facts.js';

/** "Racker Rack Server 1U serial PSN-0042, BIOS 1.2, 2× Xeon, 64 GiB (ipmi)". */
export function bmcFactsSummary(f: BmcFacts): string {
  const parts = [[f.manufacturer, f.model].filter((x) => x !== undefined).join(' ') || 'unnamed system'];
  parts[0] += f.serial === undefined ? '' : ` serial ${f.serial}`;
  if (f.biosVersion !== undefined) parts.push(`BIOS ${f.biosVersion}`);
  if (f.processorCount !== undefined) parts.push(`${f.processorCount}×${f.processorModel === undefined ? ' CPU' : ` ${f.processorModel}`}`);
  if (f.memoryGiB !== undefined) parts.push(`${f.memoryGiB} GiB`);
  return `${parts.join(', ')} (${f.driver})`;
}
