/**
 * One convention for durations: every duration setting is a number in the unit its name ends with
 * (…Ms, …Seconds; bootstrap.deadlines.* are seconds), and "30s"-style text gets the number to write.
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
    expect(timeLike.filter((p) => durationUnit(p) === undefined).map((p) => p.join('.')), 'durations without their unit in the name').to.deep.equal([]);
  });

  it('refuses "5s" for a millisecond setting and "5m" for a deadline with the number to write, by file and line', () => {
    expect(problemsOf('bmc:\n  timeoutMs: 5s\n')).to.deep.equal(['racker.yaml:2: bmc.timeoutMs: takes a number of milliseconds, not the text "5s"\n    fix: write 5000 (milliseconds) for 5s']);
    expect(problemsOf('bootstrap:\n  deadlines:\n    dhcp: 5m\n')[0]).to.include('bootstrap.deadlines.dhcp: takes a number of seconds').and.include('write 300 (seconds) for 5m');
    expect(problemsOf('boot:\n  idleTimeoutSeconds: soon\n')[0]).to.include('write a plain number of seconds');
  });
});
