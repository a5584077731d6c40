/** The CNI manifest and the manifests directory from the configuration, read for the first controller's Ignition. */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes, RackerError, isENOENT } from '../../agent/lib/errors.js';

export async function readKubernetesManifests(s: { cniManifest?: string; manifestsDir?: string }): Promise<{ cni: string | undefined; manifests: { name: string; content: string }[] }> {
  const read = async (path: string, what: string): Promise<string> => {
    try {
      return await readFile(path, 'utf8');
    } catch (e) {
      if (isENOENT(e)) throw new RackerError(ErrorCodes.config, `${what} ${path} does not exist`, { hint: 'fix bootstrap.kubernetes in the configuration' });
      throw e;
    }
  };
  const cni = s.cniManifest === undefined ? undefined : await read(s.cniManifest, 'the CNI manifest');
  const manifests: { name: string; content: string }[] = [];
  if (s.manifestsDir !== undefined) {
    let names: string[];
    try {
      names = (await readdir(s.manifestsDir)).filter((n) => /\.(ya?ml|json)$/.test(n)).sort();
    } catch (e) {
      if (isENOENT(e)) throw new RackerError(ErrorCodes.config, `the manifests directory ${s.manifestsDir} does not exist`, { hint: 'fix bootstrap.kubernetes.manifestsDir' });
      throw e;
    }
    for (const name of names) manifests.push({ name, content: await read(join(s.manifestsDir, name), 'the manifest') });
  }
  return { cni, manifests };
}
