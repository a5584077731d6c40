/**
 * One convention for durations: every duration setting is a number in the unit its name ends with
 * (…Ms, …Seconds, the phase deadlines included), and "30s"-style text gets the number to write. A
 * racker.yaml with the deadlines' old names (no unit) still loads, with a warning per key naming the
 * file, the line and the new key.
 */
import { expect } from 'chai';
import { z } from 'zod';
import { configSchema } from '../../../agent/config/schema.js';
import { PATH_DEFAULTS } from '../../../agent/config/paths.js';
import { durationUnit } from '../../../agent/config/durations.js';
import { parseConfig } from '../../../agent/config/parse.js';
import { ValidationError, formatProblem } from '../../../agent/lib/errors.js';

interface JsonSchema { type?: string; properties?: Record<string, JsonSchema>; anyOf?: JsonSchema[] }

/** Every numeric setting's path. */
function numeric(s: JsonSchema, path: string[] = []): string[][] {
  const object = s.anyOf?.find((x) => x.type === 'object' && x.properties !== undefined) ?? s;
  if (object.properties !== undefined) return Object.entries(object.properties).flatMap(([k, v]) => numeric(v, [...path, k]));
  return object.type === 'integer' || object.type === 'number' ? [path] : [];
}

const problemsOf = (text: string): string[] => {
  try {
    parseConfig(text, 'racker.yaml', {});
    return [];
  } catch (e) {
    if (e instanceof ValidationError) return e.problems.map(formatProblem);
    throw e;
  }
};

describe('duration settings', () => {
  it('every setting about time names its unit', () => {
    const schema = z.toJSONSchema(configSchema({ ...PATH_DEFAULTS }), { io: 'input', unrepresentable: 'any' }) as JsonSchema;
    const timeLike = numeric(schema).filter((p) => /time|delay|interval|debounce|idle|alive|backoff|retransmit|deadline|wait|period|ttl|lease/i.test(p.join('.')));
    expect(timeLike.length).to.be.greaterThan(20);
    expect(timeLike.filter((p) => p.join('.').startsWith('bootstrap.deadlines.')), 'the phase deadlines are checked too').to.have.length(13);
    expect(timeLike.filter((p) => durationUnit(p) === undefined).map((p) => p.join('.')), 'durations without their unit in the name').to.deep.equal([]);
  });

  it('refuses "5s" for a millisecond setting and "5m" for a deadline with the number to write, by file and line', () => {
    expect(problemsOf('bmc:\n  timeoutMs: 5s\n')).to.deep.equal(['racker.yaml:2: bmc.timeoutMs: takes a number of milliseconds, not the text "5s"\n    fix: write 5000 (milliseconds) for 5s']);
    expect(problemsOf('bootstrap:\n  deadlines:\n    dhcpSeconds: 5m\n')[0]).to.include('racker.yaml:3: bootstrap.deadlines.dhcpSeconds: takes a number of seconds').and.include('write 300 (seconds) for 5m');
    // Under its old name the value is shown where the file has it.
    expect(problemsOf('bootstrap:\n  deadlines:\n    dhcp: 5m\n')[0]).to.include('racker.yaml:3: bootstrap.deadlines.dhcp: takes a number of seconds').and.include('write 300 (seconds) for 5m');
    expect(problemsOf('boot:\n  idleTimeoutSeconds: soon\n')[0]).to.include('write a plain number of seconds');
  });

  it('reads the deadlines\' old names as the new ones, warning once per key with file, line and the new key', () => {
    const text = 'bmc:\n  timeoutMs: 2000\nbootstrap:\n  deadlines:\n    dhcp: 90\n    joinedSeconds: 700\n    installed: 900\n';
    const old = parseConfig(text, 'racker.yaml', {});
    expect(old.bootstrap.deadlines).to.deep.include({ dhcpSeconds: 90, joinedSeconds: 700, installedSeconds: 900, bmcCheckSeconds: 60 });
    expect(old.warnings.map(formatProblem)).to.deep.equal([
      'racker.yaml:5: bootstrap.deadlines.dhcp: deprecated name: this setting is now bootstrap.deadlines.dhcpSeconds (same value, seconds); read as that\n    fix: rename dhcp to dhcpSeconds',
      'racker.yaml:7: bootstrap.deadlines.installed: deprecated name: this setting is now bootstrap.deadlines.installedSeconds (same value, seconds); read as that\n    fix: rename installed to installedSeconds',
    ]);
    const renamed = parseConfig(text.replace('dhcp:', 'dhcpSeconds:').replace('installed:', 'installedSeconds:'), 'racker.yaml', {});
    expect(renamed.bootstrap.deadlines).to.deep.equal(old.bootstrap.deadlines);
    expect(renamed.warnings).to.deep.equal([]);
  });

  it('refuses a deadline set under both names, saying which to keep', () => {
    expect(problemsOf('bootstrap:\n  deadlines:\n    dhcp: 90\n    dhcpSeconds: 120\n')).to.deep.equal([
      'racker.yaml:3: bootstrap.deadlines.dhcp: set twice: as dhcp (its old name) and as dhcpSeconds\n    fix: delete dhcp, keep dhcpSeconds',
    ]);
  });
});
