import { expect } from 'chai';
import { AgentBmc } from '../../../agent/daemon/wiring/bmc-control.js';
import { loadInputs, type AgentInputs } from '../../../agent/daemon/inputs.js';
import { silentLogger } from '../../../agent/lib/log.js';
import { writeFakeRack } from '../../lib/fake-rack.js';
import { freePort } from '../../lib/agent-process.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';

describe('agent BMC control (daemon/wiring/bmc-control.ts)', function () {
  let dir: string | undefined;
  let inputs: AgentInputs;
  let bmc: AgentBmc | undefined;
  before(async () => {
    dir = await makeTempDir('racker-agent-bmc-');
    // Isolated: every BMC pinned to a closed port on 127.0.0.1.
    const rack = await writeFakeRack(dir, { isolated: { bootPort: await freePort() } });
    inputs = await loadInputs({ env: rack.env, log: silentLogger() });
    bmc = new AgentBmc(() => inputs, silentLogger());
  });
  after(async () => {
    await bmc?.close();
    await removeTempDir(dir);
  });

  it('a poll whose deadline has already passed fails with its reason and leaves no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', record);
    try {
      const node = inputs.inventory.workers[0];
      if (node === undefined) throw new Error('the fake rack has no workers');
      const err = await bmc?.powerStatus({ mac: node.primaryMac, hostname: node.hostname, bmcMac: node.bmcMac, bmcAddress: node.bmcAddress ?? '' }, AbortSignal.abort(new Error('poll deadline passed'))).then(() => undefined, (e: unknown) => e as Error);
      expect(err?.message).to.equal('poll deadline passed');
      await new Promise((r) => setTimeout(r, 50));
      expect(unhandled).to.deep.equal([]);
    } finally {
      process.off('unhandledRejection', record);
    }
  });
});
