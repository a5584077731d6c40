/** Loads and saves the persisted address plan (`address-plan.json` in the state directory). */
import { z } from 'zod';
import { stateFiles } from '../config/paths.js';
import { writeFileAtomic } from '../lib/atomic-file.js';
import { ErrorCodes } from '../lib/errors.js';
import { readJsonDocument } from '../lib/json-document.js';

export const persistedPlanSchema = z.object({
  version: z.literal(1),
  subnet: z.string(),
  /** MAC → IPv4 address. */
  assignments: z.record(z.string(), z.string()),
});
export type PersistedPlan = z.infer<typeof persistedPlanSchema>;

export function addressPlanPath(stateDir: string): string {
  return stateFiles(stateDir).addressPlan;
}

export async function loadPersistedPlan(stateDir: string): Promise<PersistedPlan | undefined> {
  return readJsonDocument(addressPlanPath(stateDir), persistedPlanSchema, {
    code: ErrorCodes.addressPlan,
    hint: 'it records which address each MAC has; restore it from backup, or delete it to let every node and BMC be renumbered',
  });
}

export async function savePersistedPlan(stateDir: string, plan: PersistedPlan): Promise<void> {
  await writeFileAtomic(addressPlanPath(stateDir), `${JSON.stringify(plan, null, 2)}\n`, { mode: 0o644, mkdirs: true });
}
