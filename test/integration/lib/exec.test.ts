import { expect } from 'chai';
import { exec } from '../../../agent/lib/exec.js';
import { CommandFailedError, CommandTimeoutError, errorMessage } from '../../../agent/lib/errors.js';

describe('exec (real processes)', () => {
  it('captures stdout and stderr', async () => {
    const r = await exec('sh', ['-c', 'echo out; echo err >&2']);
    expect(r).to.deep.equal({ stdout: 'out\n', stderr: 'err\n', exitCode: 0 });
  });

  it('never goes through a shell: metacharacters arrive as literal arguments', async () => {
    const r = await exec('printf', ['%s|', 'a;b', '$(id)', '`x`', '*']);
    expect(r.stdout).to.equal('a;b|$(id)|`x`|*|');
  });

  it('passes secrets by environment and stdin, not argv', async () => {
    const r = await exec('sh', ['-c', 'printf %s "$SECRET"; cat'], { env: { SECRET: 'env-secret' }, input: '+stdin-secret' });
    expect(r.stdout).to.equal('env-secret+stdin-secret');
  });

  it('throws CommandFailedError with the exit status and the last stderr lines', async () => {
    const err = await exec('sh', ['-c', 'echo one >&2; echo two >&2; exit 3']).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(CommandFailedError);
    expect((err as CommandFailedError).exitStatus).to.equal(3);
    expect(errorMessage(err)).to.equal('sh -c "echo one >&2; echo two >&2; exit 3" exited with status 3: one | two');
  });

  it('accepts configured exit statuses', async () => {
    expect((await exec('sh', ['-c', 'exit 1'], { okExitCodes: [0, 1] })).exitCode).to.equal(1);
  });

  it('kills a program that outlives its timeout', async () => {
    const err = await exec('sleep', ['30'], { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(CommandTimeoutError);
    expect(errorMessage(err)).to.match(/^sleep 30 did not finish within 200 ms and was killed/);
  });

  it('says when a program does not exist', async () => {
    const err = await exec('racker-no-such-program', []).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(CommandFailedError);
    expect(errorMessage(err)).to.match(/racker-no-such-program could not be run/);
    expect((err as CommandFailedError).hint).to.equal('install racker-no-such-program or check PATH');
  });
});
