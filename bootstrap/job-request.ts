/**
 * What `racker bootstrap` sends to the agent (POST /v1/jobs): the resolved answers and the run
 * options. Validated on the agent side with the same schema, so a hand-made request gets the same
 * checks as the CLI's.
 *
 * The request names no file for the agent to open: the static addresses file is read by the CLI
 * (as the user who runs it, agent/lib/bounded-file.ts) and its text travels in `staticAddresses`;
 * `answers.staticAddressesFile` is only the name the agent's messages use for it.
 */
import { z } from 'zod';
import { answersSchema } from './answers.js';
import { FAILURE_POLICIES } from './job.js';

/** Largest static addresses file (about 400 nodes); the request body has room for it. */
export const STATIC_ADDRESSES_MAX_BYTES = 64 * 1024;

export const bootstrapRequestSchema = z.strictObject({
  kind: z.literal('bootstrap'),
  answers: answersSchema,
  /** The static addresses file's text (with answers.publicAddressing static). */
  staticAddresses: z.string().max(STATIC_ADDRESSES_MAX_BYTES).optional(),
  exclude: z.array(z.string()).default([]),
  /** Only these nodes (MAC or host name); empty means all. */
  nodes: z.array(z.string()).default([]),
  reprovision: z.boolean().default(false),
  /** --wipe: the install may erase a disk holding file systems on a node racker never installed (wipe policy metadata). */
  wipe: z.boolean().default(false),
  /** Kubernetes without bootstrap.kubernetes.cniManifest: the operator brings the CNI (--no-cni). */
  noCni: z.boolean().default(false),
  onFailure: z.enum(FAILURE_POLICIES).default('ask'),
  retries: z.number().int().min(0).max(20).default(2),
  /** 0 = all nodes at once. */
  parallelism: z.number().int().min(0).max(10_000).default(0),
  powerOnIntervalMs: z.number().int().min(0).max(600_000).default(0),
}).superRefine((r, ctx) => {
  if (r.answers.publicAddressing === 'static' && r.staticAddresses === undefined) {
    ctx.addIssue({ code: 'custom', path: ['staticAddresses'], message: 'static public addressing needs the addresses file\'s text here: the agent opens no file a request names' });
  }
  if (r.answers.publicAddressing !== 'static' && r.staticAddresses !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['staticAddresses'], message: 'only goes with answers.publicAddressing static' });
  }
});

export type BootstrapRequest = z.output<typeof bootstrapRequestSchema>;
