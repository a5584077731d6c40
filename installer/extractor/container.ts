/**
 * The installer image's first check: it must run privileged and in the host's PID namespace, or
 * it cannot reach the host. Proof, as the original's racker-run.sh did it: PID 1 lives in another
 * mount namespace than we do (so PID 1 is the host's init, not our container's), and nsenter
 * into PID 1's namespaces works (so we have the privileges).
 */
import { readlink } from 'node:fs/promises';
import type { Exec } from '../../agent/lib/exec.js';
import { ErrorCodes, RackerError, errorMessage } from '../../agent/lib/errors.js';
import { nsenterArgs } from './host.js';

/** The exact command line the image must be run with. */
export function dockerRunLine(image: string | undefined): string {
  return `docker run --rm --privileged --pid host ${image === undefined || image === '' ? 'IMAGE' : image}`;
}

export interface EscapeProbe {
  readlink(path: string): Promise<string>;
  exec: Exec;
}

export async function checkContainerEscape(probe: EscapeProbe, image: string | undefined): Promise<void> {
  const fail = (observed: string): never => {
    throw new RackerError(ErrorCodes.container, `Failed to leave the container (${observed}). Run the image like this: ${dockerRunLine(image)}`,
      { hint: 'the installer needs --privileged to enter the host\'s namespaces and --pid host to see the host\'s PID 1' });
  };
  let ours: string;
  let init: string;
  try {
    ours = await probe.readlink('/proc/self/ns/mnt');
    init = await probe.readlink('/proc/1/ns/mnt');
  } catch (e) {
    return fail(`cannot read PID 1's namespaces: ${errorMessage(e)}`);
  }
  if (ours === init) fail('PID 1 is in this container: --pid host is missing');
  try {
    await probe.exec('nsenter', nsenterArgs('true', []), { timeoutMs: 10_000 });
  } catch (e) {
    fail(`nsenter into PID 1 failed: ${errorMessage(e)}; --privileged is missing`);
  }
}

export const realEscapeProbe = (exec: Exec): EscapeProbe => ({ readlink: (p) => readlink(p), exec });
