/**
 * Shell completion and the man page, against their real peers: an interactive bash (with Debian's
 * bash-completion) and an interactive zsh (compinit) in a tmux terminal, where TAB completes what
 * `racker completion bash|zsh` offers; fish's own `complete -C`, which asks the script `racker
 * completion fish` printed; and man/groff, which render `racker man` without a warning.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TmuxTerminal } from '../../lib/tmux.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';
import { racker } from '../../lib/paths.js';
import { COMMANDS } from '../../../agent/cli/commands.js';

function run(cmd: string, args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: 60_000, maxBuffer: 8 << 20, env: { ...process.env, MANWIDTH: '80', MAN_KEEP_FORMATTING: '0' } }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr });
    });
    child.stdin?.end(input ?? '');
  });
}

describe('racker completion and racker man', function () {
  this.timeout(120_000);
  let dir: string | undefined;
  let term: TmuxTerminal | undefined;

  before(async () => {
    dir = await makeTempDir('racker-completion-');
  });
  after(async () => {
    await term?.stop();
    await removeTempDir(dir);
  });

  it('completes commands, subcommands and options on TAB in an interactive bash', async () => {
    const script = await run(process.execPath, [racker, 'completion', 'bash']);
    expect(script.code, script.stderr).to.equal(0);
    const rc = join(dir as string, 'bashrc');
    // The README's way for a racker that is not on PATH: a function of the same name.
    await writeFile(rc, [
      'PS1="$ "',
      'source /usr/share/bash-completion/bash_completion',
      `racker() { ${process.execPath} ${racker} "$@"; }`,
      script.stdout,
    ].join('\n'));
    term = new TmuxTerminal(dir as string);
    await term.start(['bash', '--noprofile', '--rcfile', rc, '-i'], { TERM: 'xterm' }, { width: 120, height: 30 });
    await term.waitFor(/^\$/m);
    await term.type('racker stat');
    await term.keys('Tab');
    await term.waitFor(/\$ racker status ?$/m, 30_000);
    await term.type('--wa');
    await term.keys('Tab');
    await term.waitFor(/\$ racker status --watch ?$/m, 30_000);
    await term.keys('C-u');
    await term.type('racker factory gen');
    await term.keys('Tab');
    await term.waitFor(/\$ racker factory gen-ssh-key ?$/m, 30_000);
    await term.keys('C-u');
    await term.type('racker bootstrap --on-f');
    await term.keys('Tab');
    await term.waitFor(/\$ racker bootstrap --on-failure ?$/m, 30_000);
  });

  it('completes commands and options on TAB in an interactive zsh', async () => {
    const script = await run(process.execPath, [racker, 'completion', 'zsh']);
    expect(script.code, script.stderr).to.equal(0);
    const home = join(dir as string, 'zsh');
    await mkdir(home, { recursive: true });
    await writeFile(join(home, '.zshrc'), [
      'PS1="$ "',
      'autoload -U compinit && compinit -u -d "$ZDOTDIR/.zcompdump"',
      `racker() { ${process.execPath} ${racker} "$@"; }`,
      script.stdout,
    ].join('\n'));
    await term?.stop();
    term = new TmuxTerminal(dir as string);
    await term.start(['zsh', '-i'], { TERM: 'xterm', ZDOTDIR: home }, { width: 120, height: 30 });
    await term.waitFor(/^\$/m);
    await term.type('racker stat');
    await term.keys('Tab');
    await term.waitFor(/\$ racker status ?$/m, 30_000);
    await term.type(' --wa');
    await term.keys('Tab');
    await term.waitFor(/\$ racker status --watch ?$/m, 30_000);
    await term.keys('C-u');
    await term.type('racker logs --fo');
    await term.keys('Tab');
    await term.waitFor(/\$ racker logs --follow ?$/m, 30_000);
  });

  it('completes commands, options and ipmi actions in fish (complete -C runs the script as TAB would)', async () => {
    const script = await run(process.execPath, [racker, 'completion', 'fish']);
    expect(script.code, script.stderr).to.equal(0);
    const file = join(dir as string, 'racker.fish');
    await writeFile(file, script.stdout);
    const complete = async (line: string): Promise<string[]> => {
      const r = await run('fish', ['--no-config', '-c', `function racker; ${process.execPath} ${racker} $argv; end; source ${file}; complete -C ${JSON.stringify(line)}`]);
      expect(r.code, r.stderr).to.equal(0);
      return r.stdout.trim().split('\n').map((l) => l.split('\t')[0] as string);
    };
    expect(await complete('racker stat')).to.deep.equal(['status']);
    expect(await complete('racker status --wa')).to.deep.equal(['--watch']);
    expect(await complete('racker logs --fo')).to.deep.equal(['--follow']);
    expect(await complete('racker ipmi 2 sen')).to.deep.equal(['sensors']);
  });

  it('makes a man page with every command that man renders without a warning', async () => {
    const page = await run(process.execPath, [racker, 'man']);
    expect(page.code, page.stderr).to.equal(0);
    for (const c of COMMANDS) expect(page.stdout).to.include(`.SS racker ${c.name}`);
    const warnings = await run('groff', ['-man', '-Tutf8', '-ww', '-z'], page.stdout);
    expect(warnings.stderr).to.equal('');
    const shown = await run('man', ['-l', '-'], page.stdout);
    expect(shown.code, shown.stderr).to.equal(0);
    expect(shown.stdout).to.match(/racker +- provision a bare-metal rack/);
    expect(shown.stdout).to.match(/--on-failure POLICY\s+ask \(default\), retry, exclude or cancel/);
  });

  it('racker man on a terminal shows the page with man, or as plain text where there is no man; --output writes the roff', async () => {
    const onPty = (path: string): Promise<{ code: number; stdout: string; stderr: string }> =>
      run('env', [`PATH=${path}`, 'MANPAGER=cat', 'MANWIDTH=80', 'script', '-qec', `${process.execPath} ${racker} man`, '/dev/null']);
    const withMan = await onPty(process.env.PATH ?? '');
    expect(withMan.code, withMan.stderr).to.equal(0);
    expect(withMan.stdout).to.match(/racker +- provision a bare-metal rack/);
    expect(withMan.stdout).not.to.include('.SH');
    // A PATH with script(1) but no man(1), as on Flatcar.
    const bin = join(dir as string, 'bin');
    await mkdir(bin, { recursive: true });
    await symlink('/usr/bin/script', join(bin, 'script'));
    const without = await onPty(bin);
    expect(without.code, without.stderr).to.equal(0);
    expect(without.stdout).to.include('racker logs\r\n-----------');
    expect(without.stdout).not.to.include('.SH');
    const file = join(dir as string, 'racker.1');
    const written = await run(process.execPath, [racker, 'man', '--output', file]);
    expect(written.code, written.stderr).to.equal(0);
    expect(await readFile(file, 'utf8')).to.equal((await run(process.execPath, [racker, 'man'])).stdout);
  });
});
