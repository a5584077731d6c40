/**
 * What `racker bootstrap` sends to the agent (POST /v1/jobs): the resolved answers and the run
 * options. Validated on the agent side with the same schema, so a hand-made request gets the same
 * checks as the CLI's.
 */
import { z } from 'zod';
import { answersSchema } from './answers.js';
import { FAILURE_POLICIES } from './job.js';

export const bootstrapRequestSchema = z.strictObject({
  kind: z.literal('bootstrap'),
  answers: answersSchema,
  exclude: z.array(z.string()).default([]),
  /** Only these nodes (MAC or host name); empty means all. */
  nodes: z.array(z.string()).default([]),
  reprovision: z.boolean().default(false),
  /** Kubernetes without bootstrap.kubernetes.cniManifest: the operator brings the CNI (--no-cni). */
  noCni: z.boolean().default(false),
  onFailure: z.enum(FAILURE_POLICIES).default('ask'),
  retries: z.number().int().min(0).max(20).default(2),
  /** 0 = all nodes at once. */
  parallelism: z.number().int().min(0).max(10_000).default(0),
  powerOnIntervalMs: z.number().int().min(0).max(600_000).default(0),
});

export type BootstrapRequest = z.output<typeof bootstrapRequestSchema>;
