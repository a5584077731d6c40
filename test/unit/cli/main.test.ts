import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { runCli } from '../../../agent/cli/main.js';
import { commandFirst, parseCommandArgs } from '../../../agent/cli-kit/args.js';
import { closest } from '../../../agent/cli-kit/suggest.js';
import type { CliContext } from '../../../agent/cli-kit/context.js';

function context(): { ctx: CliContext; out: () => string; err: () => string } {
  const [stdout, stderr] = [new PassThrough(), new PassThrough()];
  const chunks = { out: '', err: '' };
  stdout.on('data', (c: Buffer) => { chunks.out += c.toString(); });
  stderr.on('data', (c: Buffer) => { chunks.err += c.toString(); });
  return { ctx: { stdout, stderr, stdin: new PassThrough(), env: {} }, out: () => chunks.out, err: () => chunks.err };
}

describe('racker CLI entry', () => {
  it('moves the options of every command from before the command to behind it', () => {
    expect(commandFirst(['--config', '/etc/r.yaml', 'status', '--full'])).to.deep.equal(['status', '--config', '/etc/r.yaml', '--full']);
    expect(commandFirst(['--json', '--config=/x', '--debug', 'ipmi', 'node-02', 'power', 'status'])).to.deep.equal(['ipmi', '--json', '--config=/x', '--debug', 'node-02', 'power', 'status']);
    expect(commandFirst(['status', '--json'])).to.deep.equal(['status', '--json']);
    expect(commandFirst(['--config'])).to.deep.equal(['--config']); // a missing value stays for the usage error
  });

  it('suggests the closest command or option, and nothing when none is close', () => {
    expect(closest('stauts', ['status', 'bootstrap', 'factory'])).to.equal('status');
    expect(closest('bootsrap', ['status', 'bootstrap'])).to.equal('bootstrap');
    expect(closest('xyz', ['status', 'bootstrap'])).to.equal(undefined);
  });

  it('answers an unknown command with "did you mean" and exit 2', async () => {
    const c = context();
    expect(await runCli(['stauts'], c.ctx)).to.equal(2);
    expect(c.err()).to.include('unknown command "stauts"');
    expect(c.err()).to.include('did you mean "status"?');
  });

  it('answers an unknown option with the closest option of that command', () => {
    expect(() => parseCommandArgs(['--jsn'], { full: { type: 'boolean' } }, 'racker status [--full]'))
      .to.throw().with.property('hint').that.matches(/^did you mean "--json"\? usage: racker status/);
    expect(() => parseCommandArgs(['--ful'], { full: { type: 'boolean' } }, 'racker status [--full]'))
      .to.throw().with.property('hint').that.matches(/^did you mean "--full"\?/);
  });

  it('takes -V and --version as `racker version`, and global options before the command', async () => {
    for (const argv of [['-V', '--offline', '--json'], ['--json', '--version', '--offline'], ['--json', 'version', '--offline']]) {
      const c = context();
      expect(await runCli(argv, c.ctx), `${argv.join(' ')}: ${c.err()}`).to.equal(0);
      expect((JSON.parse(c.out()) as { version: string }).version).to.match(/^\d+\.\d+\.\d+/);
    }
  });
});
