/**
 * Request bodies the control API accepts, validated with every problem named by field. The
 * bootstrap request's schema belongs to the bootstrap (bootstrap/job-request.ts).
 */
import { z } from 'zod';
import { ErrorCodes, ValidationError } from '../lib/errors.js';

// One schema for a bootstrap request, the bootstrap's own: the CLI builds it, the API checks it.
export { bootstrapRequestSchema, type BootstrapRequest } from '../../bootstrap/job-request.js';

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
