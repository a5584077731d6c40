/**
 * docs/configuration.md is the reference of every setting: a setting added to the schema and not
 * documented there fails this test, and so does a documented setting the schema does not have.
 */
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { configSchema } from '../../../agent/config/schema.js';
import { PATH_DEFAULTS } from '../../../agent/config/paths.js';
import { repoRoot } from '../../lib/paths.js';

interface JsonSchema { type?: string; properties?: Record<string, JsonSchema>; additionalProperties?: unknown; anyOf?: JsonSchema[] }

/** Every setting's dotted path; a map of settings (bmc.nodes) is `bmc.nodes.*`. */
function settings(s: JsonSchema, path: string[] = []): string[] {
  const object = s.anyOf?.find((x) => x.type === 'object' && x.properties !== undefined) ?? s;
  if (object.type === 'object' && object.properties !== undefined) return Object.entries(object.properties).flatMap(([k, v]) => settings(v, [...path, k]));
  if (object.type === 'object' && typeof object.additionalProperties === 'object') return [[...path, '*'].join('.')];
  return [path.join('.')];
}

/** Settings the tables document: the backticked names in each row's first cell, under their section's heading. */
function documented(doc: string): string[] {
  const out: string[] = [];
  let section = '';
  for (const line of doc.split('\n')) {
    const heading = /^## .*\(`([a-z]+):`\)/.exec(line) ?? /^## (Paths)$/.exec(line);
    if (heading !== null) section = (heading[1] as string).toLowerCase();
    else if (line.startsWith('## ')) section = '';
    const cell = /^\| ([^|]+) \|/.exec(line)?.[1];
    if (cell === undefined || section === '' || cell.startsWith('setting')) continue;
    for (const m of cell.matchAll(/`([A-Za-z0-9.*]+)`/g)) {
      const name = m[1] as string;
      out.push(name.startsWith(`${section}.`) ? name : `${section}.${name}`);
    }
  }
  return out;
}

describe('docs/configuration.md', () => {
  it('documents every setting of the schema, and no setting the schema lacks', async () => {
    const schema = z.toJSONSchema(configSchema({ ...PATH_DEFAULTS }), { io: 'input', unrepresentable: 'any' }) as JsonSchema;
    const all = settings(schema);
    expect(all.length).to.be.greaterThan(90);
    const doc = documented(await readFile(join(repoRoot, 'docs', 'configuration.md'), 'utf8'));
    const covers = (d: string, s: string): boolean => d === s || (d.endsWith('.*') && s.startsWith(d.slice(0, -1)));
    expect(all.filter((s) => !doc.some((d) => covers(d, s))), 'settings missing from docs/configuration.md').to.deep.equal([]);
    expect(doc.filter((d) => !all.some((s) => covers(d, s))), 'documented settings the schema does not have').to.deep.equal([]);
  });
});
