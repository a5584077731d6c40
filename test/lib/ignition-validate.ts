/** Run Debian's ignition-validate on a config: the oracle every generated config must pass. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import type { IgnitionConfig } from '../../bootstrap/ignition/types.js';
import { renderIgnition } from '../../bootstrap/ignition/builders.js';

export interface ValidateResult {
  code: number;
  /** Everything ignition-validate printed: errors and warnings (unused keys are only warnings). */
  output: string;
}

export async function ignitionValidate(dir: string, name: string, c: IgnitionConfig): Promise<ValidateResult> {
  const path = join(dir, `${name}.ign`);
  await writeFile(path, renderIgnition(c));
  const r = await execa('ignition-validate', [path], { reject: false, all: true });
  return { code: r.exitCode ?? -1, output: String(r.all ?? '') };
}
