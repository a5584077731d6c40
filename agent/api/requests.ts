/**
 * Request bodies the control API accepts, validated with every problem named by field. The
 * bootstrap runner validates what it alone understands (`options`) itself.
 */
import { z } from 'zod';
import { ErrorCodes, ValidationError } from '../lib/errors.js';

export const FAILURE_POLICIES = ['ask', 'retry', 'exclude', 'cancel'] as const;

export const bootstrapRequestSchema = z.strictObject({
  kind: z.literal('bootstrap'),
  /** Nodes to provision (primary MAC or host name); default every node but the management node. */
  nodes: z.array(z.string().min(1)).max(4096).optional(),
  /** Nodes to leave alone. */
  exclude: z.array(z.string().min(1)).max(4096).default([]),
  /** What to do when a node fails a step (the original's -onfailure). */
  onFailure: z.enum(FAILURE_POLICIES).default('ask'),
  /** Settings for the bootstrap runner (OS, Kubernetes roles ...), checked by the runner. */
  options: z.record(z.string(), z.unknown()).default({}),
});
export type BootstrapRequest = z.output<typeof bootstrapRequestSchema>;

export const answerRequestSchema = z.strictObject({
  /** The question being answered (guards against answering a question that has been replaced). */
  questionId: z.string().min(1),
  answer: z.string().min(1),
});
export type AnswerRequest = z.output<typeof answerRequestSchema>;

/** Parse or throw a ValidationError naming each bad field (`request` stands for the body). */
export function parseRequest<T extends z.ZodType>(schema: T, body: unknown, what: string): z.output<T> {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  throw new ValidationError(ErrorCodes.badRequest, `the ${what} request is invalid`, r.error.issues.map((i) => {
    const keys = i.code === 'unrecognized_keys' ? i.keys : [];
    const path = [...i.path.map(String), ...keys];
    return { file: 'request', field: path.length > 0 ? path.join('.') : '(body)', message: i.code === 'unrecognized_keys' ? 'unknown field' : i.message };
  }));
}
