import { expect } from 'chai';
import { parseSha256Sums } from '../../../installer/sources/tarball-source.js';

const A = 'a'.repeat(64);

describe('tarball source SHA256SUMS', () => {
  it('lists payload versions (text and binary mode lines), ignoring other files', () => {
    const sums = parseSha256Sums(`${A}  racker-1.0.0-linux-x64.tar.gz\n${A} *racker-2.0.0-rc.1-linux-x64.tar.gz\n${A}  README\n# comment\n`, 'S');
    expect([...sums.keys()]).to.deep.equal(['1.0.0', '2.0.0-rc.1']);
    expect(sums.get('1.0.0')).to.deep.equal({ version: '1.0.0', file: 'racker-1.0.0-linux-x64.tar.gz', sha256: A });
  });

  it('refuses a malformed line, naming it', () => {
    expect(() => parseSha256Sums(`${A}  ok\nnot a line\n`, 'https://r/SHA256SUMS')).to.throw('https://r/SHA256SUMS:2: not a "<sha256>  <file>" line');
  });
});
