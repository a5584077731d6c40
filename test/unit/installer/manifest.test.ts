import { expect } from 'chai';
import { diffManifest, parseManifest, renderManifest } from '../../../installer/manifest.js';
import { isSafeRelativePath } from '../../../agent/lib/relative-path.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

describe('installer MANIFEST', () => {
  it('renders sha256sum lines sorted by byte order, so equal trees give equal bytes', () => {
    const text = renderManifest([{ path: 'b/x', sha256: A }, { path: 'B', sha256: B }, { path: 'a', sha256: A }]);
    expect(text).to.equal(`${B}  B\n${A}  a\n${A}  b/x\n`);
    expect(parseManifest(text, 'MANIFEST')).to.deep.equal([{ sha256: B, path: 'B' }, { sha256: A, path: 'a' }, { sha256: A, path: 'b/x' }]);
  });

  it('refuses malformed lines, unsafe paths and duplicates, naming the line', () => {
    for (const [text, line] of [[`${A} one-space\n`, 1], [`${A}  ok\n${A}  ../etc/passwd\n`, 2], [`${A}  /abs\n`, 1], [`${A}  x\n${B}  x\n`, 2]] as const) {
      expect(() => parseManifest(text, 'p/MANIFEST'), text).to.throw(`p/MANIFEST:${line}: malformed MANIFEST line`);
    }
  });

  it('reports changed, missing and extra files', () => {
    const problems = diffManifest([{ path: 'a', sha256: A }, { path: 'b', sha256: A }], [{ path: 'a', sha256: B }, { path: 'c', sha256: A }]);
    expect(problems).to.deep.equal([`a: sha256 ${B}, MANIFEST says ${A}`, 'b: missing', 'c: not in MANIFEST']);
  });

  it('knows safe relative paths', () => {
    expect(['a', 'a/b.c', 'node_modules/.bin2/x'].every(isSafeRelativePath)).to.equal(true);
    expect(['', '/a', 'a/../b', './a', 'a//b', 'a/', 'a\\b', 'a\0b'].some(isSafeRelativePath)).to.equal(false);
  });
});
