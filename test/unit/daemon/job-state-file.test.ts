import { expect } from 'chai';
import { mkdir, writeFile } from 'node:fs/promises';
import { loadJobState, jobStatePath } from '../../../agent/daemon/wiring/job-state-sink.js';
import { ErrorCodes, ValidationError } from '../../../agent/lib/errors.js';
import { newNodeState, type JobState } from '../../../bootstrap/job-state.js';
import { stateFiles } from '../../../agent/config/paths.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';

describe('daemon/job-state-sink: a job\'s saved state read back', () => {
  let dir: string | undefined;
  afterEach(async () => { await removeTempDir(dir); dir = undefined; });

  async function write(id: string, text: string): Promise<string> {
    dir = await makeTempDir();
    await mkdir(stateFiles(dir).jobsDir, { recursive: true });
    await writeFile(jobStatePath(dir, id), text);
    return dir;
  }

  it('reads back what a job saved', async () => {
    const node = { ...newNodeState('02:00:00:00:00:01', 'node-02', true, 1000), status: 'running' as const, phase: 'ipxe' as const,
      escalations: { dhcp: 1 }, lastObserved: { kind: 'boot.ipxe' as const, at: 1500 }, history: [{ phase: 'dhcp' as const, at: 1200, note: 'lease' }] };
    const state: JobState = { id: 'j1', startedAt: 1000, status: 'running', nodes: { [node.mac]: node } };
    const stateDir = await write('j1', JSON.stringify(state));
    expect(await loadJobState(stateDir, 'j1')).to.deep.equal(state);
  });

  it('refuses a damaged file with a typed error naming the file and the field', async () => {
    const node = { ...newNodeState('02:00:00:00:00:01', 'node-02', true, 1000), phase: 'flying' };
    const stateDir = await write('j2', JSON.stringify({ id: 'j2', startedAt: 1000, status: 'running', nodes: { '02:00:00:00:00:01': node } }));
    const err = await loadJobState(stateDir, 'j2').then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(ValidationError);
    const v = err as ValidationError;
    expect(v.code).to.equal(ErrorCodes.state);
    expect(v.problems.map((p) => [p.file, p.field])).to.deep.equal([[jobStatePath(stateDir, 'j2'), 'nodes.02:00:00:00:00:01.phase']]);
    expect(v.message).to.contain(`${jobStatePath(stateDir, 'j2')} is damaged`);
  });

  it('refuses a file that is not JSON, and has none for a job that saved nothing', async () => {
    const stateDir = await write('j3', '{"id": "j3", "star');
    const err = await loadJobState(stateDir, 'j3').then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(ValidationError);
    expect((err as ValidationError).problems[0]?.message).to.match(/^not JSON: /);
    expect(await loadJobState(stateDir, 'none')).to.equal(undefined);
  });
});
