/** `paths:` directories racker uses; defaults come from the environment (see ../paths.ts). */
import { z } from 'zod';
import type { PathKey } from '../paths.js';

const absolute = z.string().regex(/^\//, 'must be an absolute path');

export function pathsSection(defaults: Record<PathKey, string>) {
  return z.strictObject({
    oemDir: absolute.default(defaults.oemDir),
    etcDir: absolute.default(defaults.etcDir),
    stateDir: absolute.default(defaults.stateDir),
    runDir: absolute.default(defaults.runDir),
    sysClassNet: absolute.default(defaults.sysClassNet),
  });
}
