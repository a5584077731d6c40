import { expect } from 'chai';
import fc from 'fast-check';
import { normalizeMac, looksLikeMac, isMulticastMac, macHex } from '../../../agent/lib/mac.js';

const byteArb = fc.integer({ min: 0, max: 255 });
const bytesArb = fc.array(byteArb, { minLength: 6, maxLength: 6 });
const hex = (b: number, upper: boolean): string => {
  const h = b.toString(16).padStart(2, '0');
  return upper ? h.toUpperCase() : h;
};

describe('MAC normalisation', () => {
  it('normalises colon and dash forms in any case to lower-case colon form', () => {
    expect(normalizeMac('00:11:22:AA:bb:Cc')).to.equal('00:11:22:aa:bb:cc');
    expect(normalizeMac('00-11-22-AA-BB-CC')).to.equal('00:11:22:aa:bb:cc');
    expect(normalizeMac('  00:11:22:33:44:55 ')).to.equal('00:11:22:33:44:55');
  });

  it('rejects malformed addresses', () => {
    for (const bad of ['', '00:11:22:33:44', '00:11:22:33:44:55:66', '00:11-22:33:44:55', '0:11:22:33:44:55', '00:11:22:33:44:5g', '001122334455', 'x']) {
      expect(normalizeMac(bad), bad).to.equal(undefined);
    }
  });

  it('property: any six bytes in any separator and case normalise to the same value', () => {
    fc.assert(fc.property(bytesArb, fc.constantFrom(':', '-'), fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }), (bytes, sep, cases) => {
      const text = bytes.map((b, i) => hex(b, cases[i] ?? false)).join(sep);
      const canonical = bytes.map((b) => hex(b, false)).join(':');
      expect(normalizeMac(text)).to.equal(canonical);
      expect(normalizeMac(canonical)).to.equal(canonical); // idempotent
      expect(macHex(normalizeMac(text)!)).to.equal(canonical.replace(/:/g, ''));
    }));
  });

  it('property: strings that are not six hex pairs never normalise', () => {
    fc.assert(fc.property(fc.string({ maxLength: 30 }), (s) => {
      const result = normalizeMac(s);
      if (result !== undefined) expect(result).to.match(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
      else expect(/^\s*[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}\s*$/i.test(s)).to.equal(false);
    }));
  });

  it('recognises MAC-looking node types, with or without separators', () => {
    expect(looksLikeMac('00:11:22:33:44:55')).to.equal(true);
    expect(looksLikeMac('001122334455')).to.equal(true);
    expect(looksLikeMac('worker')).to.equal(false);
  });

  it('spots multicast addresses', () => {
    expect(isMulticastMac(normalizeMac('01:00:5e:00:00:01')!)).to.equal(true);
    expect(isMulticastMac(normalizeMac('00:00:5e:00:00:01')!)).to.equal(false);
  });
});
