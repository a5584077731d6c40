import { stat } from 'node:fs/promises';
import { isENOENT } from './errors.js';

/**
 * Whether a path exists (any type). Only "no such file" means no: a permission problem is an error,
 * not a reason to act as if the file were missing.
 */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (e) {
    if (isENOENT(e)) return false;
    throw e;
  }
}
