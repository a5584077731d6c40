/**
 * What `racker status` loads: neither the schema library (zod) nor the YAML parser, whose loading
 * would cost more than everything else the command does (bench/agent measures it). Checked on the
 * command as a process against the real agent process of the same version (an agent of another
 * version gets its answers checked, which loads zod on purpose: api/client.ts).
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeFakeRack } from '../../lib/fake-rack.js';
import { freePort, isReady, startAgent, type AgentProcess } from '../../lib/agent-process.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';
import { racker, repoRoot } from '../../lib/paths.js';

describe('racker status start-up: what it loads', function () {
  this.timeout(60_000);
  let dir: string | undefined;
  let agent: AgentProcess | undefined;
  after(async () => {
    await agent?.kill('SIGTERM');
    await removeTempDir(dir);
  });

  it('loads neither zod nor yaml', async () => {
    dir = await makeTempDir('racker-status-startup-');
    const rack = await writeFakeRack(join(dir, 'rack'), { isolated: { bootPort: await freePort() }, configYaml: 'agent:\n  metricsPort: 0\n' });
    agent = startAgent(rack.env);
    await agent.waitForLog(isReady);
    const hook = pathToFileURL(join(repoRoot, 'dist/test/lib/module-watch.js')).href;
    const r = spawnSync(process.execPath, ['--import', hook, racker, 'status'], { env: { PATH: process.env.PATH ?? '', ...rack.env }, encoding: 'utf8' });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.include('nodes: 0 provisioned');
    const loaded = r.stderr.split('\n').filter((l) => l.startsWith('module-watch: ')).map((l) => l.slice('module-watch: '.length));
    expect(loaded, 'the hook sees the packages it loads').to.not.be.empty;
    expect(loaded.filter((m) => /^(zod|yaml)(\/| |$)/.test(m)), r.stderr).to.deep.equal([]);
  });
});
