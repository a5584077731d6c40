/**
 * Reading back a JSON document racker wrote earlier (a job's state, cluster secrets): parsed and
 * checked against its schema, so a damaged or hand-edited file is reported by file and field
 * instead of failing later somewhere else.
 */
import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { ValidationError, errorMessage, isENOENT, type ErrorCode } from './errors.js';

/**
 * `secret`: the file holds keys; JSON's own error quotes the text, so it is left out of the message.
 * `summary`: the error's first line, when "<file> is damaged" does not fit (an answer over the network).
 */
export function parseJsonDocument<T>(text: string, schema: z.ZodType<T>, o: { file: string; code: ErrorCode; hint?: string; secret?: boolean; summary?: string }): T {
  const summary = o.summary ?? `${o.file} is damaged`;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ValidationError(o.code, summary, [{ file: o.file, message: o.secret === true ? 'not JSON' : `not JSON: ${errorMessage(e)}`, hint: o.hint }]);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new ValidationError(o.code, summary, parsed.error.issues.slice(0, 10).map((i) => ({
      file: o.file, field: i.path.map(String).join('.') || '(top level)', message: i.message, hint: o.hint,
    })));
  }
  return parsed.data;
}

/** The document in `file`, checked as parseJsonDocument does; undefined when there is no such file. */
export async function readJsonDocument<T>(file: string, schema: z.ZodType<T>, o: { code: ErrorCode; hint?: string; secret?: boolean }): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if (isENOENT(e)) return undefined;
    throw e;
  }
  return parseJsonDocument(text, schema, { ...o, file });
}
