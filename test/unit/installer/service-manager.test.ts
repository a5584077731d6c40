import { expect } from 'chai';
import { SystemctlServiceManager } from '../../../installer/extractor/service-manager.js';
import { holdReboots } from '../../../installer/extractor/reboot-hold.js';
import { silentLogger } from '../../../agent/lib/log.js';
import { fakeExec } from '../../lib/fake-exec.js';
import { FakeServiceManager } from '../../lib/fake-service-manager.js';

/** systemctl whose is-active answers come from a script, one per call (the last repeats). */
function scripted(states: string[], restart: 'ok' | 'fail' = 'ok') {
  let i = 0;
  return fakeExec((_file, args) => {
    if (args[0] === 'restart') return restart === 'ok' ? {} : { exitCode: 1, stderr: 'Job for racker-agent.service failed.' };
    if (args[0] === 'is-active') {
      const s = states[Math.min(i++, states.length - 1)] as string;
      return { stdout: `${s}\n`, exitCode: s === 'active' ? 0 : 3 };
    }
    return {};
  });
}

describe('SystemctlServiceManager', () => {
  it('is ready only after the unit stays active for the settle checks', async () => {
    const { exec, calls } = scripted(['activating', 'active', 'active', 'active']);
    const r = await new SystemctlServiceManager('/bin/systemctl', exec, { pollMs: 0 }).restartAndWait('racker-agent.service', 60_000);
    expect(r).to.deep.equal({ ready: true, observed: 'active' });
    expect(calls.map((c) => `${c.file} ${c.args.join(' ')}`)).to.deep.equal([
      '/bin/systemctl restart racker-agent.service', ...Array.from({ length: 4 }, () => '/bin/systemctl is-active racker-agent.service'),
    ]);
  });

  it('a unit that crashes after start is not ready', async () => {
    const { exec } = scripted(['active', 'failed']);
    expect(await new SystemctlServiceManager('systemctl', exec, { pollMs: 0 }).restartAndWait('u', 60_000)).to.deep.equal({ ready: false, observed: 'failed' });
  });

  it('a failed restart (Type=notify never sent READY=1) is reported with systemctl\'s words', async () => {
    const { exec } = scripted(['failed'], 'fail');
    const r = await new SystemctlServiceManager('systemctl', exec, { pollMs: 0 }).restartAndWait('u', 60_000);
    expect(r.ready).to.equal(false);
    expect(r.observed).to.contain('Job for racker-agent.service failed.');
  });

  it('a unit still activating at the deadline is not ready, and the state is named', async () => {
    const { exec } = scripted(['activating']);
    const r = await new SystemctlServiceManager('systemctl', exec, { pollMs: 1 }).restartAndWait('u', 20);
    expect(r).to.deep.equal({ ready: false, observed: 'activating after 0 s' });
  });
});

describe('holding off OS-update reboots', () => {
  it('stops only the holders that run, and starts them again in reverse order, also past a failure', async () => {
    const services = new FakeServiceManager(['locksmithd.service', 'update-engine.service']);
    services.failStart.add('update-engine.service');
    const hold = await holdReboots(services, ['locksmithd.service', 'update-engine.service', 'absent.service'], silentLogger());
    expect(hold.held).to.deep.equal(['locksmithd.service', 'update-engine.service']);
    await hold.release();
    expect(services.calls).to.deep.equal([
      'is-active locksmithd.service', 'stop locksmithd.service',
      'is-active update-engine.service', 'stop update-engine.service',
      'is-active absent.service',
      'start update-engine.service', 'start locksmithd.service',
    ]);
    expect(services.active.has('locksmithd.service')).to.equal(true);
  });
});
