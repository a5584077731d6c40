import { expect } from 'chai';
import { labelsFromQuery, LabelError, parseMac, parseQuery } from '../../../agent/boot/labels.js';

const plain = (l: Readonly<Record<string, string>>) => ({ ...l });

describe('boot labels', () => {
  // matchbox/http/parse_test.go TestLabelsFromRequest, case for case (the last one differs on purpose).
  it('parses labels like matchbox', () => {
    const valid = '52:da:00:89:d8:10';
    expect(plain(labelsFromQuery(''))).to.deep.equal({});
    expect(plain(labelsFromQuery('uuid=a1b2c3'))).to.deep.equal({ uuid: 'a1b2c3' });
    expect(plain(labelsFromQuery('mac=52:da:00:89:d8:10'))).to.deep.equal({ mac: valid });
    expect(plain(labelsFromQuery('mac=52-da-00-89-d8-10'))).to.deep.equal({ mac: valid });
    expect(plain(labelsFromQuery('uuid=a1b2c3&mac=52:da:00:89:d8:10'))).to.deep.equal({ uuid: 'a1b2c3', mac: valid });
    expect(plain(labelsFromQuery('UUID=a1b2c3&MAC=52:DA:00:89:d8:10'))).to.deep.equal({ UUID: 'a1b2c3', MAC: valid });
  });

  it('refuses an unparseable mac instead of dropping it (matchbox would fall through to the default group)', () => {
    expect(() => labelsFromQuery('mac=x:x:x:x:x:x')).to.throw(LabelError, /not a MAC address/);
    expect(() => labelsFromQuery('Mac=')).to.throw(LabelError);
  });

  it('keeps the first of repeated keys and decodes like url.ParseQuery', () => {
    expect(plain(labelsFromQuery('a=1&a=2&b=x+y%21&c&=e&&d='))).to.deep.equal({ a: '1', b: 'x y!', c: '', '': 'e', d: '' });
    expect(plain(labelsFromQuery('h=%E2%9C%93'))).to.deep.equal({ h: '✓' });
    expect(parseQuery('a=1&a=2').get('a')).to.deep.equal(['1', '2']);
  });

  it('treats __proto__ as an ordinary key', () => {
    const l = labelsFromQuery('__proto__=x&constructor=y');
    expect(l.__proto__).to.equal('x');
    expect(l.constructor).to.equal('y');
  });

  it('rejects malformed queries with a reason', () => {
    expect(() => labelsFromQuery('a=%zz')).to.throw(LabelError, /invalid % escape/);
    expect(() => labelsFromQuery('a=%4')).to.throw(LabelError);
    expect(() => labelsFromQuery('a=1;b=2')).to.throw(LabelError, /";"/);
  });

  it('parses MACs like Go net.ParseMAC', () => {
    const cases: [string, string | undefined][] = [
      ['00:00:5e:00:53:01', '00:00:5e:00:53:01'],
      ['02:00:5E:10:00:00:00:01', '02:00:5e:10:00:00:00:01'],
      ['00:00:00:00:fe:80:00:00:00:00:00:00:02:00:5e:10:00:00:00:01', '00:00:00:00:fe:80:00:00:00:00:00:00:02:00:5e:10:00:00:00:01'],
      ['00-00-5e-00-53-01', '00:00:5e:00:53:01'],
      ['AA-BB-CC-DD-EE-0F', 'aa:bb:cc:dd:ee:0f'],
      ['01-02:03-04:05-06', undefined],
      ['01:02:03:04:05:0g', undefined],
      ['0000.5e00.5301', '00:00:5e:00:53:01'],
      ['0200.5e10.0000.0001', '02:00:5e:10:00:00:00:01'],
      ['01.02.03.04.05.06', undefined],
      ['01:02:03:04:05:06:', undefined],
      ['x1:02:03:04:05:06', undefined],
      ['01002:03:04:05:06', undefined],
      ['01:02003:04:05:06', undefined],
      ['01:02:03:04:05-06', undefined],
      ['0123:4567:89AF', undefined],
      ['0123-4567-89AF', undefined],
      ['01:02:03:04:05', undefined],
      ['', undefined],
    ];
    for (const [input, want] of cases) expect(parseMac(input), input).to.equal(want);
  });
});
