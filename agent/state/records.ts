/**
 * What the agent remembers about every node and job, persisted in the state directory. Schemas
 * validate what is read back, so a damaged or hand-edited file is reported by field instead of
 * crashing the agent later.
 */
import { z } from 'zod';
import { NODE_PHASES } from './phases.js';
import { nodeHardwareSchema } from '../inventory/hardware.js';
import { bmcFactsSchema } from '../inventory/bmc-facts.js';
import { JOB_STATES } from './job-states.js';

export const ROLES = ['management', 'controller', 'worker'] as const;
export const POWER_STATES = ['on', 'off', 'unknown'] as const;
/** What a node record says about the power: as the BMC last reported it, or unknown (agent/bmc's PowerState is the report). */
export type NodePower = (typeof POWER_STATES)[number];

const iso = z.string().datetime({ offset: true });

export const problemSchema = z.object({
  /** What racker was doing, e.g. "set PXE boot" or "BMC poll". */
  step: z.string(),
  /** What was observed. */
  message: z.string(),
  /** What to do next. */
  hint: z.string().optional(),
  at: iso,
});
export type NodeProblem = z.infer<typeof problemSchema>;

export const nodeRecordSchema = z.object({
  /** Primary MAC (normalised): the key, stable across row edits. */
  mac: z.string(),
  hostname: z.string(),
  row: z.number().int(),
  nodeType: z.string(),
  role: z.enum(ROLES).optional(),
  isManagement: z.boolean(),
  /** False once the row has left nodes.csv; the record is kept for its history. */
  inInventory: z.boolean(),
  address: z.string().optional(),
  secondaryMac: z.string(),
  bmc: z.object({
    mac: z.string(),
    address: z.string().optional(),
    driver: z.string(),
    /** null until the first poll. */
    reachable: z.boolean().nullable(),
    lastSeen: iso.optional(),
    lastCheck: iso.optional(),
    /** Consecutive failed polls. */
    failures: z.number().int().min(0),
    lastError: z.string().optional(),
  }),
  power: z.object({
    state: z.enum(POWER_STATES),
    /** When the state last changed. */
    since: iso.optional(),
    checkedAt: iso.optional(),
  }),
  phase: z.object({
    name: z.enum(NODE_PHASES),
    since: iso,
    job: z.string().optional(),
    /** Recent transitions, newest last, bounded. */
    history: z.array(z.object({ name: z.enum(NODE_PHASES), at: iso })),
  }),
  lastError: problemSchema.optional(),
  /**
   * When racker last finished installing this server (phase provisioned). Kept through later runs:
   * its disk then holds racker's install, which a reinstall may overwrite (install-disk rules).
   */
  installedAt: iso.optional(),
  /** What the node's install boots reported (agent/inventory/hardware.ts); absent until the first. */
  hardware: z.object({
    current: nodeHardwareSchema,
    /** Hardware changes between inspections, newest last, bounded. */
    history: z.array(z.object({ at: iso, changes: z.array(z.string()) })),
  }).optional(),
  /** What the node's BMC last said about the server (agent/inventory/bmc-facts.ts), read at a bootstrap's BMC check and by the BMC poller; absent until then, dropped when the row names another BMC. */
  bmcFacts: bmcFactsSchema.optional(),
});
export type NodeRecord = z.infer<typeof nodeRecordSchema>;

export const JOB_KINDS = ['bootstrap'] as const;
// Named in job-states.ts (no zod there, for racker status); re-exported for the record's readers.
export { JOB_STATES, FINISHED_JOB_STATES, type JobState } from './job-states.js';

export const questionSchema = z.object({
  id: z.string(),
  text: z.string(),
  choices: z.array(z.string()).min(1),
  node: z.string().optional(),
  at: iso,
});
export type JobQuestion = z.infer<typeof questionSchema>;

export const jobRecordSchema = z.object({
  id: z.string(),
  kind: z.enum(JOB_KINDS),
  state: z.enum(JOB_STATES),
  createdAt: iso,
  startedAt: iso.optional(),
  finishedAt: iso.optional(),
  /** The validated request, as submitted. */
  request: z.record(z.string(), z.unknown()),
  /** `skipped`: nodes the job leaves alone because an earlier job provisioned them (absent in older files). */
  progress: z.object({ total: z.number().int(), ready: z.number().int(), failed: z.number().int(), excluded: z.number().int(), skipped: z.number().int().optional() }),
  /** The latest human line about the job. */
  message: z.string().optional(),
  /** An open question from the failure policy, waiting for POST /v1/jobs/:id/answer. */
  question: questionSchema.optional(),
  error: z.object({ code: z.string(), message: z.string(), hint: z.string().optional() }).optional(),
});
export type JobRecord = z.infer<typeof jobRecordSchema>;

export const stateDocumentSchema = z.object({
  version: z.literal(1),
  savedAt: iso,
  /** Incremented on every change; lets readers tell two snapshots apart. */
  generation: z.number().int().min(0),
  nodes: z.record(z.string(), nodeRecordSchema),
  jobs: z.record(z.string(), jobRecordSchema),
});
export type StateDocument = z.infer<typeof stateDocumentSchema>;

export function emptyState(now: string): StateDocument {
  return { version: 1, savedAt: now, generation: 0, nodes: {}, jobs: {} };
}
