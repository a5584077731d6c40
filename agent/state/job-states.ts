/**
 * A job's states, named once, in a module without the schema library: `racker status` tells a
 * running job from a finished one and must not load zod to do it (its start-up is benchmarked,
 * bench/agent). records.ts builds the job record's schema from them.
 */
export const JOB_STATES = ['pending', 'running', 'waiting', 'succeeded', 'failed', 'cancelled', 'interrupted'] as const;
export type JobState = (typeof JOB_STATES)[number];
export const FINISHED_JOB_STATES: readonly JobState[] = ['succeeded', 'failed', 'cancelled', 'interrupted'];
