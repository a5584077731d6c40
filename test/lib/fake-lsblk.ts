/**
 * A stand-in for `lsblk` on a node, from a recorded `lsblk -J -b -O` sample (test/data/lsblk):
 * with -P it prints the sample as lsblk's list mode does (parents before children, KEY="value"
 * pairs, the columns asked for, -p full paths, quotes and shell characters escaped as \xHH), with
 * -J the sample itself. Hardware is what it fakes: the scripts that read it run for real.
 */
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { testData } from './paths.js';
import { LSBLK_COLUMNS } from '../../bootstrap/ignition/disk-select.js';

type Device = Record<string, unknown> & { name: string; children?: Device[] };

/** Load a sample by file name. */
export async function lsblkSample(name: string): Promise<string> {
  return readFile(testData('lsblk', name), 'utf8');
}

function escapeValue(v: string): string {
  return [...v].map((c) => (/["\\$`]/.test(c) || c < ' ' || c > '~' ? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}` : c)).join('');
}

/** `lsblk -P -b -p -o COLUMNS` of the sample. */
export function lsblkPairs(sampleJson: string, columns: readonly string[]): string {
  const devices = (JSON.parse(sampleJson) as { blockdevices: Device[] }).blockdevices;
  const lines: string[] = [];
  const walk = (d: Device, parent: Device | undefined): void => {
    const value = (col: string): string => {
      if (col === 'NAME') return `/dev/${d.name}`;
      if (col === 'PKNAME') return parent === undefined ? '' : `/dev/${parent.name}`;
      const v = d[col.toLowerCase()];
      if (v === null || v === undefined) return '';
      if (typeof v === 'boolean') return v ? '1' : '0';
      return typeof v === 'string' ? v : JSON.stringify(v);
    };
    lines.push(columns.map((c) => `${c.replace(/:/g, '_')}="${escapeValue(value(c))}"`).join(' '));
    for (const c of d.children ?? []) walk(c, d);
  };
  for (const d of devices) walk(d, undefined);
  return `${lines.join('\n')}\n`;
}

/** Write `lsblk` into `binDir`: -J prints the sample, -P its pairs for the -o columns asked for. */
export async function installFakeLsblk(binDir: string, sampleJson: string): Promise<void> {
  await writeFile(join(binDir, 'lsblk.json'), sampleJson);
  const script = `#!/bin/bash
# fake lsblk (test/lib/fake-lsblk.ts)
cols=""; pairs=""
while [ $# -gt 0 ]; do
  case "$1" in -o) cols="$2"; shift ;; -P) pairs=1 ;; esac
  shift
done
if [ -n "$pairs" ]; then cat "${binDir}/lsblk.$cols.pairs"; else cat "${binDir}/lsblk.json"; fi
`;
  await writeFile(join(binDir, 'lsblk'), script);
  await chmod(join(binDir, 'lsblk'), 0o755);
  // The columns racker-disk-select asks for; any other -P call finds no file and fails, as it should.
  await writeFile(join(binDir, `lsblk.${LSBLK_COLUMNS}.pairs`), lsblkPairs(sampleJson, LSBLK_COLUMNS.split(',')));
}
