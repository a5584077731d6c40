import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { ErrorCodes, RackerError, UsageError, ValidationError } from '../../../agent/lib/errors.js';
import { handleError } from '../../../agent/cli-kit/handle-error.js';
import { repoRoot } from '../../lib/paths.js';

function sink(): { stream: Writable; text: () => string } {
  let s = '';
  return { stream: new Writable({ write(c: Buffer, _e, cb) { s += c.toString(); cb(); } }), text: () => s };
}

describe('errors', () => {
  it('documents every error code in docs/errors.md', () => {
    const doc = readFileSync(`${repoRoot}/docs/errors.md`, 'utf8');
    for (const code of Object.values(ErrorCodes)) expect(doc, code).to.contain(`\`${code}\``);
  });

  it('prints an expected error as its message and hint, with its exit code', () => {
    const out = sink();
    const code = handleError(new RackerError(ErrorCodes.inventory, 'bad rack', { hint: 'fix it' }), out.stream);
    expect(code).to.equal(1);
    expect(out.text()).to.equal('racker: bad rack\nhint: fix it\n');
  });

  it('gives usage errors exit code 2', () => {
    expect(handleError(new UsageError('unknown flag --x'), sink().stream)).to.equal(2);
  });

  it('prints every problem of a validation error', () => {
    const out = sink();
    handleError(new ValidationError(ErrorCodes.config, 'f has 2 problems', [{ file: 'f', line: 1, field: 'a', message: 'm1' }, { file: 'f', message: 'm2', hint: 'h' }]), out.stream);
    expect(out.text()).to.equal('racker: f has 2 problems\n  f:1: a: m1\n  f: m2\n    fix: h\n');
  });

  it('reports unexpected errors as bugs, with the stack only under --debug', () => {
    const out = sink();
    expect(handleError(new TypeError('boom'), out.stream)).to.equal(1);
    expect(out.text()).to.equal('racker: internal error: boom\nThis is a bug in racker. Run again with --debug for details and report it.\n');
    const dbg = sink();
    handleError(new TypeError('boom'), dbg.stream, { debug: true });
    expect(dbg.text()).to.contain('at ');
  });

  it('prints JSON errors with --json', () => {
    const out = sink();
    handleError(new RackerError(ErrorCodes.notFound, 'no node x'), out.stream, { json: true });
    expect(JSON.parse(out.text())).to.deep.equal({ error: { code: 'RACKER_E_NOT_FOUND', message: 'no node x' } });
  });
});
