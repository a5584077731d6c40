/**
 * The daemon's log lines survive an exit in the same turn they were logged (they are held until
 * the turn ends, see turnBatched): a real process logs and exits at once, and the line is on its
 * stdout.
 */
import { expect } from 'chai';
import { execa } from 'execa';
import { join } from 'node:path';
import { repoRoot } from '../../lib/paths.js';

describe('daemon log on exit (real process)', () => {
  for (const how of ['process.exit(3)', 'throw new Error("boom")']) {
    it(`writes the last lines before the process ends by ${how}`, async () => {
      const log = join(repoRoot, 'dist', 'agent', 'lib', 'log.js');
      const script = `const { createLogger } = await import(${JSON.stringify(log)}); const l = createLogger({ mode: 'daemon' }); for (let i = 0; i < 50; i++) l.info({ i }, 'line'); l.warn('last words'); ${how};`;
      const r = await execa(process.execPath, ['--input-type=module', '-e', script], { reject: false });
      expect(r.exitCode).to.not.equal(0);
      const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { msg: string; i?: number });
      expect(lines.map((l) => l.i ?? l.msg)).to.deep.equal([...Array.from({ length: 50 }, (_, i) => i), 'last words']);
    });
  }
});

describe('CLI log lines on a terminal (real pty through script(1))', () => {
  const log = join(repoRoot, 'dist', 'agent', 'lib', 'log.js');
  const script = `const { createLogger } = await import(${JSON.stringify(log)}); createLogger({ mode: 'cli' }).warn('careful');`;
  const onPty = (env: Record<string, string>): Promise<string> => execa('script', ['-qec', `${process.execPath} --input-type=module -e ${shellQuote(script)} 2>&1`, '/dev/null'], { env: { ...process.env, ...env } }).then((r) => r.stdout);

  it('are coloured by default and plain with NO_COLOR set', async () => {
    const coloured = await onPty({ NO_COLOR: '' });
    expect(coloured).to.include('careful');
    expect(coloured).to.include('\x1b[');
    const plain = await onPty({ NO_COLOR: '1' });
    expect(plain).to.match(/WARN.*careful/);
    expect(plain).not.to.include('\x1b[');
  });
});

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
