/**
 * The first problem a schema (zod) found, as a field path and a message: what a refusal says about
 * input that does not fit, where one problem is enough (a client's request body, a line of a file).
 */
export interface SchemaIssue {
  /** "macs.1.mac"; `top` when the input as a whole is wrong. */
  field: string;
  message: string;
}

export function firstIssue(e: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }, o: { prefix?: readonly string[]; top?: string } = {}): SchemaIssue {
  const issue = e.issues[0];
  const path = [...(o.prefix ?? []), ...(issue?.path ?? []).map(String)];
  return { field: path.length === 0 ? o.top ?? '(top level)' : path.join('.'), message: issue?.message ?? 'invalid' };
}
