/** The Flatcar download's progress as people read it: percent and MB, one line per whole percent. */
import { expect } from 'chai';
import { describeProgress, progressLines } from '../../../bootstrap/download.js';

describe('download progress lines', () => {
  it('says file, percent and megabytes, not JSON', () => {
    expect(describeProgress({ file: 'flatcar_production_pxe.vmlinuz', received: 21_300_000, total: 47_200_000 }).line)
      .to.equal('flatcar_production_pxe.vmlinuz 45% (21.3 of 47.2 MB)');
    expect(describeProgress({ file: 'x.cpio.gz', received: 3_500_000, total: undefined }).line).to.equal('x.cpio.gz 3.5 MB');
  });

  it('reports a line when the whole percent (or, without a size, the megabyte) changes, once per file', () => {
    const lines: string[] = [];
    const on = progressLines((l) => lines.push(l));
    for (let received = 0; received < 100_000_000; received += 65_536) on({ file: 'a', received, total: 100_000_000 });
    on({ file: 'a', received: 100_000_000, total: 100_000_000 });
    expect(lines).to.have.length(101); // 1526 chunks of 64 KiB: 0 % … 100 %
    expect(lines.at(-1)).to.equal('a 100% (100.0 of 100.0 MB)');
    const before = lines.length;
    for (let received = 0; received < 2_000_000; received += 65_536) on({ file: 'b', received, total: undefined });
    expect(lines.slice(before)).to.deep.equal(['b 0.0 MB', 'b 1.0 MB']);
  });
});
