import { expect } from 'chai';
import { Emitter } from '../../../agent/lib/emitter.js';

describe('emitter', () => {
  it('delivers to every listener even when one throws, and reports the throw', () => {
    const errors: unknown[] = [];
    const e = new Emitter<number>((err) => errors.push(err));
    const got: number[] = [];
    e.on(() => { throw new Error('bad listener'); });
    const off = e.on((n) => got.push(n));
    e.emit(1);
    off();
    e.emit(2);
    expect(got).to.deep.equal([1]);
    expect(errors).to.have.length(2);
  });
});
