import { expect } from 'chai';
import { escapeControls, escapeControlsKeepLines, terminalSafe } from '../../../agent/cli-kit/terminal-text.js';
import { handleError } from '../../../agent/cli-kit/handle-error.js';
import { ErrorCodes, RackerError } from '../../../agent/lib/errors.js';
import { PassThrough } from 'node:stream';

describe('cli: terminal text', () => {
  it('shows control characters as \\xNN: OSC title, CSI, BEL, DEL, C1 and bidi overrides', () => {
    expect(escapeControls('a\x1b]0;t\x07b\x1b[2J\x7f\x9b\u202ec\nd')).to.equal('a\\x1b]0;t\\x07b\\x1b[2J\\x7f\\x9b\\u202ec\\x0ad');
    expect(escapeControlsKeepLines('one\n\ttwo\x1b')).to.equal('one\n\ttwo\\x1b');
    expect(escapeControls('node-02 worker, ünïcode')).to.equal('node-02 worker, ünïcode');
  });

  it('escapes every string of a record, deep, and leaves other values alone', () => {
    expect(terminalSafe({ a: '\x1b', b: [{ c: '\x07' }], n: 1, t: true, u: undefined, z: null })).to.deep.equal({ a: '\\x1b', b: [{ c: '\\x07' }], n: 1, t: true, u: undefined, z: null });
  });

  it('error messages and hints are printed escaped', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => { text += c.toString(); });
    handleError(new RackerError(ErrorCodes.provisioning, 'node failed: \x1b]0;x\x07\nsecond line', { hint: 'see \x1b[31m' }), out);
    expect(text).to.equal('racker: node failed: \\x1b]0;x\\x07\nsecond line\nhint: see \\x1b[31m\n');
  });
});
