/** Loads and saves the persisted address plan (`address-plan.json` in the state directory). */
import { readFile } from 'node:fs/promises';
import { stateFiles } from '../config/paths.js';
import { writeFileAtomic } from '../lib/atomic-file.js';
import { ErrorCodes, RackerError, isENOENT, errorMessage } from '../lib/errors.js';
import type { PersistedPlan } from './address-plan.js';

export function addressPlanPath(stateDir: string): string {
  return stateFiles(stateDir).addressPlan;
}

export async function loadPersistedPlan(stateDir: string): Promise<PersistedPlan | undefined> {
  const path = addressPlanPath(stateDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (isENOENT(e)) return undefined;
    throw e;
  }
  const bad = (why: string): RackerError => new RackerError(ErrorCodes.addressPlan, `${path} is damaged: ${why}`,
    { hint: `it records which address each MAC has; restore it from backup, or delete it to let every node and BMC be renumbered` });
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw bad(errorMessage(e));
  }
  const p = data as Partial<PersistedPlan>;
  if (p.version !== 1 || typeof p.subnet !== 'string' || typeof p.assignments !== 'object' || p.assignments === null) throw bad('unexpected structure');
  for (const [k, v] of Object.entries(p.assignments)) if (typeof v !== 'string') throw bad(`address of ${k} is not a string`);
  return p as PersistedPlan;
}

export async function savePersistedPlan(stateDir: string, plan: PersistedPlan): Promise<void> {
  await writeFileAtomic(addressPlanPath(stateDir), `${JSON.stringify(plan, null, 2)}\n`, { mode: 0o644, mkdirs: true });
}
