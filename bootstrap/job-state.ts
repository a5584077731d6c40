/**
 * The bootstrap job's persisted state: one record per node, saved after every transition so a
 * restarted agent resumes without re-provisioning finished nodes.
 */
import { z } from 'zod';
import { PHASES, type Phase } from '../agent/state/phases.js';
import type { NodeFailure } from './failure.js';
import { OBSERVATION_KINDS, type ObservationKind } from './observation.js';

export const NODE_STATUSES = ['pending', 'running', 'done', 'failed', 'excluded', 'cancelled', 'skipped'] as const;
export type NodeStatus = (typeof NODE_STATUSES)[number];

export interface NodeState {
  mac: string;
  hostname: string;
  status: NodeStatus;
  /** Current (running) or last (finished) phase. */
  phase: Phase;
  phaseStartedAt: number;
  /** Whole-node attempts so far (1 on the first run); the failure policy retries up to --retries more. */
  attempt: number;
  /** Escalations used per phase in this attempt. */
  escalations: Partial<Record<Phase, number>>;
  /** Boot mode requested from the BMC (an escalation may toggle it). */
  efi: boolean;
  lastObserved?: { kind: ObservationKind; at: number; detail?: string };
  /**
   * When the node was last powered on or cycled: what it reported before belongs to an earlier
   * boot (a kept report replayed after an agent restart is ignored when older).
   */
  poweredAt?: number;
  failure?: NodeFailure;
  /**
   * The failure policy has settled this node's failure and it stays failed (the answer was cancel,
   * or there was nothing left to try). A failed node without it was still waiting for the decision
   * (under `ask`, for the operator's answer) when the agent stopped: the resumed job decides again.
   */
  decided?: true;
  /** Why this run leaves the node alone (status `skipped`), e.g. an earlier job provisioned it. */
  skipped?: string;
  /** Recent transitions, oldest first, bounded. */
  history: { phase: Phase; at: number; note?: string }[];
}

export const JOB_STATUSES = ['running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export interface JobState {
  id: string;
  startedAt: number;
  finishedAt?: number;
  status: JobStatus;
  nodes: Record<string, NodeState>;
}

/*
 * What a resumed job reads back (jobs/<id>.json) is checked against these before it acts on it; the
 * annotations make the compiler keep them in step with the interfaces above.
 */
const phase = z.enum(PHASES);

const nodeFailureSchema: z.ZodType<NodeFailure> = z.object({
  mac: z.string(), hostname: z.string(), phase, message: z.string(), lastObserved: z.string(), hint: z.string(),
  output: z.string().optional(), at: z.number().optional(),
});

const nodeStateSchema: z.ZodType<NodeState> = z.object({
  mac: z.string(),
  hostname: z.string(),
  status: z.enum(NODE_STATUSES),
  phase,
  phaseStartedAt: z.number(),
  attempt: z.number().int().min(1),
  escalations: z.partialRecord(phase, z.number().int().min(0)),
  efi: z.boolean(),
  lastObserved: z.object({ kind: z.enum(OBSERVATION_KINDS), at: z.number(), detail: z.string().optional() }).optional(),
  failure: nodeFailureSchema.optional(),
  decided: z.literal(true).optional(),
  skipped: z.string().optional(),
  history: z.array(z.object({ phase, at: z.number(), note: z.string().optional() })),
});

export const jobStateSchema: z.ZodType<JobState> = z.object({
  id: z.string().min(1),
  startedAt: z.number(),
  finishedAt: z.number().optional(),
  status: z.enum(JOB_STATUSES),
  nodes: z.record(z.string(), nodeStateSchema),
});

export const HISTORY_LIMIT = 40;

export function newNodeState(mac: string, hostname: string, efi: boolean, now: number): NodeState {
  return { mac, hostname, status: 'pending', phase: 'bmc-check', phaseStartedAt: now, attempt: 1, escalations: {}, efi, history: [] };
}

/** Node statuses a resumed job runs again: the node was between steps when the agent died. */
export const UNFINISHED: readonly NodeStatus[] = ['pending', 'running', 'cancelled'];

/** A failed node whose failure the policy had not yet decided on (e.g. its question was open) when the agent stopped. */
export function undecided(s: NodeState): boolean {
  return s.status === 'failed' && s.failure !== undefined && s.decided !== true;
}

/**
 * Where a node resumes after an agent restart: observe before acting. Before any BMC command took
 * effect the node starts from the BMC check; one whose power cycle may have been sent does it again
 * (nothing can have installed yet). Past the power cycle the node is on its way, so the wait resumes
 * in the same phase with the time it had left, and only a missed deadline escalates: it is never
 * power-cycled again on the agent's account. Once installed, the disk boot override is set again
 * (idempotent, no power action) and the wait for the installed system resumes.
 */
export function resumePhase(p: Phase): Phase {
  if (p === 'bmc-check' || p === 'boot-override') return 'bmc-check';
  if (p === 'boot-disk' || p === 'reboot') return 'boot-disk';
  return p;
}
