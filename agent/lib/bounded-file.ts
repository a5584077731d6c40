/**
 * Reading a file a user named (a flag, an answer) in the CLI, before its contents go to the agent:
 * only a regular file, at most `maxBytes`, and the open itself cannot hang. Opening a FIFO for
 * reading blocks until a writer appears, so the open is non-blocking (O_NONBLOCK) and the type is
 * checked on the open descriptor (fstat), not on the path, which could be swapped in between.
 * The agent never opens a path a client sends: the CLI reads as the user who runs it, with that
 * user's permissions, and sends the text.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { ErrorCodes, RackerError, isSystemError } from './errors.js';

export interface BoundedFileOptions {
  maxBytes: number;
  /** What the file is, for messages ("the static addresses file"). */
  what: string;
  /** What to do when it is missing or unreadable. */
  hint?: string;
}

/** The file's text; throws a RackerError (RACKER_E_IO) naming the path and never quoting the content. */
export async function readBoundedFile(path: string, o: BoundedFileOptions): Promise<string> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    const why = isSystemError(e, 'ENOENT') ? 'does not exist' : isSystemError(e, 'EACCES') ? 'is not readable by this user (permission denied)' : `cannot be opened (${isSystemError(e) ? e.code : String(e)})`;
    throw new RackerError(ErrorCodes.io, `${o.what} ${path} ${why}`, { hint: o.hint, cause: e });
  }
  try {
    const s = await handle.stat();
    if (!s.isFile()) throw new RackerError(ErrorCodes.io, `${o.what} ${path} is not a regular file`, { hint: o.hint ?? 'name a regular file' });
    if (s.size > o.maxBytes) throw new RackerError(ErrorCodes.io, `${o.what} ${path} is larger than ${o.maxBytes} bytes (${s.size})`, { hint: o.hint });
    // The size may change after fstat: read at most one byte more than allowed, to tell.
    const buf = Buffer.alloc(o.maxBytes + 1);
    let got = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, got, buf.length - got, null);
      if (bytesRead === 0) break;
      got += bytesRead;
      if (got > o.maxBytes) throw new RackerError(ErrorCodes.io, `${o.what} ${path} is larger than ${o.maxBytes} bytes`, { hint: o.hint });
    }
    return buf.subarray(0, got).toString('utf8');
  } finally {
    await handle.close();
  }
}
