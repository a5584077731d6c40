/**
 * One install at a time: a lock file with the holder's PID in /opt/racker. A lock whose PID is no
 * longer alive (a killed installer) is taken over.
 */
import { open, readFile, unlink } from 'node:fs/promises';
import { ErrorCodes, RackerError, isENOENT, isSystemError } from '../../agent/lib/errors.js';

export interface InstallLock {
  release(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return isSystemError(e, 'EPERM'); // exists, owned by someone else
  }
}

export async function acquireInstallLock(path: string): Promise<InstallLock> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(path, 'wx', 0o644);
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      return { release: () => unlink(path).catch((e: unknown) => { if (!isENOENT(e)) throw e; }) };
    } catch (e) {
      if (!isSystemError(e, 'EEXIST')) throw e;
    }
    const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
      throw new RackerError(ErrorCodes.conflict, `another racker install is running (PID ${pid}, lock ${path})`,
        { hint: 'wait for it to finish; if no installer runs, remove the lock file' });
    }
    await unlink(path).catch(() => undefined); /* stale lock of a dead installer; a racing taker wins the next open */
  }
  throw new RackerError(ErrorCodes.conflict, `cannot take the install lock ${path}`, { hint: 'another installer started at the same time; try again' });
}
