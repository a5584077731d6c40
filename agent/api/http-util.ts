/** JSON in and out for the control API, and how errors become responses. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCodes, RackerError, ValidationError, isRackerError, type ErrorCode, errorMessage } from '../lib/errors.js';
import type { ErrorReply } from './replies.js';

/** Largest request body accepted: a job request with a static addresses file (64 KiB) fits. */
export const MAX_BODY_BYTES = 256 * 1024;

/** The racker version of the agent that answered: set on every answer of the control API. */
export const VERSION_HEADER = 'x-racker-version';

/** The error body every failed request gets (the client reads it with replies.ts errorReplySchema). */
export type ApiErrorBody = ErrorReply;

const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  [ErrorCodes.badRequest]: 400,
  [ErrorCodes.usage]: 400,
  [ErrorCodes.config]: 422,
  [ErrorCodes.plan]: 422,
  [ErrorCodes.inventory]: 422,
  [ErrorCodes.addressPlan]: 422,
  [ErrorCodes.forbidden]: 403,
  [ErrorCodes.notFound]: 404,
  [ErrorCodes.conflict]: 409,
  [ErrorCodes.notImplemented]: 501,
  [ErrorCodes.agentUnavailable]: 503,
};

export function badRequest(message: string, hint?: string): RackerError {
  return new RackerError(ErrorCodes.badRequest, message, { hint });
}

/** A body over MAX_BODY_BYTES: answered 413, and the connection is closed rather than read on. */
export class BodyTooLargeError extends RackerError {
  constructor() {
    super(ErrorCodes.badRequest, `the request body is larger than ${MAX_BODY_BYTES} bytes`, { hint: 'job requests are a few KiB; see docs/api.md' });
    this.name = 'BodyTooLargeError';
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Expected failures keep their code and hint; anything else is a 500 that says it is a bug. */
export function errorResponse(err: unknown): { status: number; body: ApiErrorBody } {
  if (isRackerError(err)) {
    const body: ApiErrorBody = { code: err.code, message: err.message };
    if (err.hint !== undefined) body.hint = err.hint;
    if (err instanceof ValidationError) body.problems = [...err.problems];
    return { status: err instanceof BodyTooLargeError ? 413 : STATUS_BY_CODE[err.code] ?? 500, body };
  }
  return { status: 500, body: { code: 'RACKER_E_INTERNAL', message: `internal error: ${err instanceof Error ? err.message : String(err)}`, hint: 'this is a bug in racker; the agent log has the details' } };
}

/** The request body as JSON; an empty body is `{}`. */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) throw new BodyTooLargeError();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLargeError();
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  if (!/^application\/json\b/.test(type)) throw badRequest(`the request body must be JSON (content-type: application/json), not "${type}"`);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw badRequest(`the request body is not valid JSON: ${errorMessage(e)}`);
  }
}

/** A query parameter as a non-negative integer, or undefined when absent. */
export function intParam(params: URLSearchParams, name: string): number | undefined {
  const v = params.get(name);
  if (v === null || v === '') return undefined;
  if (!/^\d{1,15}$/.test(v)) throw badRequest(`query parameter ${name} must be a non-negative integer, not "${v}"`);
  return Number(v);
}

export function boolParam(params: URLSearchParams, name: string, fallback: boolean): boolean {
  const v = params.get(name);
  if (v === null || v === '') return fallback;
  if (['1', 'true', 'yes'].includes(v)) return true;
  if (['0', 'false', 'no'].includes(v)) return false;
  throw badRequest(`query parameter ${name} must be true or false, not "${v}"`);
}
