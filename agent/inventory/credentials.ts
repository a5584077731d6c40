/**
 * BMC credentials from the OEM partition: `ipmi_user` and `ipmi_password`, one line each, the same
 * on every BMC. The password stays in memory; it is never logged and never put in argv.
 */
import { readFile, stat } from 'node:fs/promises';
import type { Problem } from '../lib/errors.js';
import { isENOENT, isEISDIR, isEACCES, errorMessage } from '../lib/errors.js';
import { oemFiles } from '../config/paths.js';

export interface BmcCredentials {
  readonly user: string;
  readonly password: string;
}

export interface CredentialsResult {
  credentials: BmcCredentials | undefined;
  problems: Problem[];
  warnings: Problem[];
}

/** Read and check both files; collects every problem rather than stopping at the first. */
export async function readCredentials(oemDir: string): Promise<CredentialsResult> {
  const files = oemFiles(oemDir);
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const user = await readOneLine(files.ipmiUser, 'BMC user name', problems);
  const password = await readOneLine(files.ipmiPassword, 'BMC password', problems);
  if (password !== undefined) {
    const mode = (await stat(files.ipmiPassword)).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      warnings.push({ file: files.ipmiPassword, message: `is readable by ${(mode & 0o007) !== 0 ? 'all users' : 'its group'} (mode ${mode.toString(8).padStart(4, '0')})`, hint: `chmod 600 ${files.ipmiPassword}` });
    }
  }
  return { credentials: user !== undefined && password !== undefined ? { user, password } : undefined, problems, warnings };
}

async function readOneLine(path: string, what: string, problems: Problem[]): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (isENOENT(e)) problems.push({ file: path, message: `is missing; it must hold the ${what}`, hint: `write it with: racker factory (or printf '%s' VALUE > ${path}; chmod 600 ${path})` });
    else if (isEISDIR(e)) problems.push({ file: path, message: `is a directory; it must be a file holding the ${what}` });
    else if (isEACCES(e)) problems.push({ file: path, message: 'cannot be read (permission denied)', hint: 'run as root' });
    else problems.push({ file: path, message: `cannot be read: ${errorMessage(e)}` });
    return undefined;
  }
  // One trailing newline (as `echo X | tee` writes) is not part of the value.
  const value = text.replace(/\r?\n$/, '');
  if (value === '') {
    problems.push({ file: path, line: 1, message: `is empty; it must hold the ${what}` });
    return undefined;
  }
  if (/[\r\n]/.test(value)) {
    problems.push({ file: path, line: 2, message: `has more than one line; it must hold only the ${what}` });
    return undefined;
  }
  return value;
}
