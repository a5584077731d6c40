/**
 * Pure renderers for the boot endpoints, byte for byte as matchbox renders them
 * (matchbox/http/ipxe.go, grub.go, metadata.go, parse.go `collectVariables`).
 */
import type { NetBoot } from './boot-data.js';
import type { Labels } from './labels.js';
import type { Group } from './select.js';
import { formatGoFloat } from './template.js';

/** `/boot.ipxe`: iPXE fills in its own variables and chains to `/ipxe` (relative, same base path). */
export const IPXE_BOOTSTRAP = '#!ipxe\nchain ipxe?uuid=${uuid}&mac=${mac:hexhyp}&domain=${domain}&hostname=${hostname}&serial=${serial}&arch=${buildarch:uristring}\n';

/** `/` */
export const HOME = 'matchbox\n';

/** `/ipxe`. Arguments are written verbatim: iPXE expands `${…}` in them at boot. */
export function renderIpxe(boot: NetBoot): string {
  const args = boot.args.map((a) => ` ${a}`).join('');
  const initrd = boot.initrd.map((i) => `\ninitrd ${i}`).join('');
  return `#!ipxe\nkernel ${boot.kernel}${args}${initrd}\nboot\n`;
}

/** `/grub` (matchbox's code, which differs from its docs: EFI and BIOS entries). */
export function renderGrub(boot: NetBoot): string {
  const args = boot.args.map((a) => ` ${a}`).join('');
  const initrd = boot.initrd.map((i) => ` "${i}"`).join('');
  const entry = (title: string, linux: string, initrdCmd: string) =>
    `menuentry "${title}" {\necho "Loading kernel"\n${linux} "${boot.kernel}"${args}\necho "Loading initrd"\n${initrdCmd} ${initrd}\n}\n`;
  return `default=0\nfallback=1\ntimeout=1\n${entry('CoreOS (EFI)', 'linuxefi', 'initrdefi')}${entry('CoreOS (BIOS)', 'linux', 'initrd')}`;
}

/**
 * Template data: the group's metadata, then its selectors under lower-cased keys, then
 * `request: {query: labels, raw_query}` (the raw, un-normalised query string).
 */
export function templateData(group: Group, labels: Labels, rawQuery: string): Record<string, unknown> {
  const data: Record<string, unknown> = { request: {} };
  if (group.metadata !== undefined) Object.assign(data, group.metadata); // shared, never mutated
  for (const [k, v] of Object.entries(group.selector)) data[k.toLowerCase()] = v;
  data.request = { query: { ...labels }, raw_query: rawQuery };
  return data;
}

/**
 * `/metadata` as an env file: nested keys joined with `_` and upper-cased; strings, booleans and
 * numbers (Go %v) only; lists and nulls left out as matchbox does. Lines are sorted so the output
 * is stable (matchbox: random map order). Values are not quoted or escaped (matchbox's format), so
 * a value with a newline spills onto the next line; docs/boot-service.md says so.
 */
export function renderMetadata(data: Record<string, unknown>): string {
  const lines: string[] = [];
  const walk = (prefix: string, o: Record<string, unknown>) => {
    for (const [k, v] of Object.entries(o)) {
      const name = prefix + k;
      if (typeof v === 'string') lines.push(`${name.toUpperCase()}=${v}`);
      else if (typeof v === 'boolean') lines.push(`${name.toUpperCase()}=${v ? 'true' : 'false'}`);
      else if (typeof v === 'number') lines.push(`${name.toUpperCase()}=${formatGoFloat(v)}`);
      else if (typeof v === 'object' && v !== null && !Array.isArray(v)) walk(`${name}_`, v as Record<string, unknown>);
    }
  };
  walk('', data);
  lines.sort();
  return lines.map((l) => `${l}\n`).join('');
}
