import { expect } from 'chai';
import { join } from 'node:path';
import { AgentClient, AgentNotRunningError } from '../../../agent/api/client.js';
import { collectStatus } from '../../../agent/cli/status-source.js';
import { ErrorCodes, RackerError } from '../../../agent/lib/errors.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';

describe('cli/status-source', () => {
  it('with nobody on the socket and no saved state, says why from the error\'s reason field', async () => {
    const dir = await makeTempDir();
    try {
      const socketPath = join(dir, 'agent.sock');
      let err: unknown;
      try {
        await collectStatus({ client: new AgentClient({ socketPath, timeoutMs: 1_000 }), stateDir: dir, stderr: process.stderr }, false);
      } catch (e) { err = e; }
      expect(err).to.be.instanceOf(RackerError);
      expect((err as RackerError).code).to.equal(ErrorCodes.agentUnavailable);
      expect((err as RackerError).message).to.equal(`the racker agent is not running (no one listens on ${socketPath}) and has never saved a state in ${dir}`);
    } finally {
      await removeTempDir(dir);
    }
  });

  it('AgentNotRunningError keeps the reason apart from the message', () => {
    const e = new AgentNotRunningError('no one listens on /run/racker/agent.sock', {});
    expect(e.reason).to.equal('no one listens on /run/racker/agent.sock');
    expect(e.message).to.equal('the racker agent is not running (no one listens on /run/racker/agent.sock)');
  });
});
