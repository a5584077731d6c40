/**
 * The versions racker pins for the rack, from conf.yaml's `pins:` (the one place they are written):
 * the configuration's defaults for the Flatcar channel and version and the Kubernetes version and
 * system extension come from here, so a rack built with defaults gets exactly what this racker
 * version was built and tested with. conf.yaml sits at the root of the tree racker runs from, in a
 * checkout and in a payload alike (conf.yaml's first module copies it there).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes, RackerError, errorMessage } from '../lib/errors.js';
import { parseBuildConf, type Pins } from './build-conf.js';
import { codeRoot } from './ipxe-dir.js';

export type { Pins };

const cache = new Map<string, Pins>();

/** The pins of the tree at `root` (default: the tree this code runs from); read once per root. */
export function runtimePins(root: string = codeRoot()): Pins {
  let pins = cache.get(root);
  if (pins === undefined) {
    const file = join(root, 'conf.yaml');
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new RackerError(ErrorCodes.config, `cannot read racker's pinned versions from ${file}: ${errorMessage(e)}`,
        { hint: 'this racker installation is incomplete; reinstall it (racker get <version>)', cause: e });
    }
    pins = parseBuildConf(text, file).pins;
    cache.set(root, pins);
  }
  return pins;
}
