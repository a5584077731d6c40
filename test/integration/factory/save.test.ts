import { expect } from 'chai';
import { mkdir, readFile, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';
import { FakeAgentApi } from '../../lib/fake-agent-api.js';
import { saveMetadata, listBackups, BACKUPS_KEPT } from '../../../factory/save.js';
import { requestReload, agentSocketPath } from '../../../factory/agent-client.js';
import { readCredentials } from '../../../agent/inventory/credentials.js';
import type { ErrorReply } from '../../../agent/api/replies.js';

const CSV1 = 'Primary MAC address, BMC MAC address, Secondary MAC address, Node Type, Comments\n00:11:22:33:44:00, 00:11:22:33:44:01, 00:11:22:33:44:30, mgmt, m\n';
const CSV2 = `${CSV1}00:11:22:33:44:10, 00:11:22:33:44:11, 00:11:22:33:44:40, worker, \n`;
const mode = async (p: string): Promise<number> => (await stat(p)).mode & 0o777;

describe('factory save (real files, real unix socket)', () => {
  let dir: string;
  let oem: string;
  let agent: FakeAgentApi | undefined;
  beforeEach(async () => {
    dir = await makeTempDir();
    oem = join(dir, 'oem');
  });
  afterEach(async () => {
    await agent?.stop();
    agent = undefined;
    await removeTempDir(dir);
  });

  const notRunning = () => requestReload(agentSocketPath(join(dir, 'run')));

  it('writes nodes.csv 0644 and the credentials 0600 into a new OEM directory, readable by the inventory', async () => {
    const r = await saveMetadata(oem, { nodesCsv: CSV1, user: 'admin', password: 'pa55-Word!x' }, { reload: notRunning });
    expect(r.written.map((p) => p.slice(oem.length + 1))).to.deep.equal(['ipmi_user', 'ipmi_password', 'nodes.csv']);
    expect(r.backups).to.deep.equal([]);
    expect(await readFile(join(oem, 'nodes.csv'), 'utf8')).to.equal(CSV1);
    expect(await mode(join(oem, 'nodes.csv'))).to.equal(0o644);
    expect(await mode(join(oem, 'ipmi_user'))).to.equal(0o600);
    expect(await mode(join(oem, 'ipmi_password'))).to.equal(0o600);
    const creds = await readCredentials(oem);
    expect(creds.problems).to.deep.equal([]);
    expect(creds.warnings).to.deep.equal([]);
    expect(creds.credentials).to.deep.equal({ user: 'admin', password: 'pa55-Word!x' });
    expect(r.reload?.kind).to.equal('not-running');
    expect((await readdir(oem)).filter((n) => n.endsWith('.tmp'))).to.deep.equal([]);
  });

  it('keeps the previous version of each changed file as a backup, credentials backed up 0600', async () => {
    await mkdir(oem);
    await writeFile(join(oem, 'nodes.csv'), CSV1, { mode: 0o644 });
    await writeFile(join(oem, 'ipmi_user'), 'admin\n', { mode: 0o644 });
    await writeFile(join(oem, 'ipmi_password'), 'old-password\n', { mode: 0o644 });
    const now = () => new Date('2024-01-31T12:01:02.345Z');
    const r = await saveMetadata(oem, { nodesCsv: CSV2, user: 'admin', password: 'new-password' }, { reload: notRunning, now });
    expect(r.backups.map((p) => p.slice(oem.length + 1)).sort()).to.deep.equal([
      'ipmi_password.20240131T120102Z.bak', 'ipmi_user.20240131T120102Z.bak', 'nodes.csv.20240131T120102Z.bak']);
    expect(await readFile(join(oem, 'nodes.csv.20240131T120102Z.bak'), 'utf8')).to.equal(CSV1);
    expect(await readFile(join(oem, 'ipmi_password.20240131T120102Z.bak'), 'utf8')).to.equal('old-password\n');
    expect(await mode(join(oem, 'ipmi_password.20240131T120102Z.bak'))).to.equal(0o600);
    expect(await mode(join(oem, 'ipmi_password'))).to.equal(0o600);
    expect(await readFile(join(oem, 'nodes.csv'), 'utf8')).to.equal(CSV2);
  });

  it('writes nothing and asks no reload when nothing changed; keeps only the newest backups', async () => {
    let t = Date.parse('2024-01-31T12:00:00Z');
    const now = () => new Date((t += 1000));
    await saveMetadata(oem, { nodesCsv: CSV1, user: 'u', password: 'p' }, { reload: notRunning, now });
    const same = await saveMetadata(oem, { nodesCsv: CSV1, user: 'u', password: 'p' }, { reload: notRunning, now });
    expect(same.written).to.deep.equal([]);
    expect(same.reload).to.equal(undefined);
    for (let i = 0; i < BACKUPS_KEPT + 3; i++) {
      await saveMetadata(oem, { nodesCsv: i % 2 === 0 ? CSV2 : CSV1, user: 'u', password: 'p' }, { reload: notRunning, now });
    }
    const backups = await listBackups(join(oem, 'nodes.csv'));
    expect(backups).to.have.length(BACKUPS_KEPT);
    expect(await readFile(backups[BACKUPS_KEPT - 1] as string, 'utf8')).to.equal(CSV2); // the version before the last save
  });

  it('asks a running agent to reload over its control socket', async () => {
    const run = join(dir, 'run');
    await mkdir(run);
    agent = new FakeAgentApi(agentSocketPath(run), () => ({ status: 200, body: { ok: true } }));
    await agent.start();
    const r = await saveMetadata(oem, { nodesCsv: CSV1, user: 'u', password: 'p' }, { reload: () => requestReload(agentSocketPath(run)) });
    expect(r.reload).to.deep.equal({ kind: 'reloaded' });
    expect(agent.requests.map((q) => `${q.method} ${q.url}`)).to.deep.equal(['POST /v1/reload']);
  });

  it('reports an agent that refuses the reload, and one whose socket has no listener, without throwing', async () => {
    const run = join(dir, 'run');
    await mkdir(run);
    agent = new FakeAgentApi(agentSocketPath(run), () => ({ status: 409, body: { code: 'RACKER_E_CONFLICT', message: 'a bootstrap is running' } satisfies ErrorReply }));
    await agent.start();
    expect(await requestReload(agentSocketPath(run))).to.deep.equal({ kind: 'failed', message: 'the agent answered 409: a bootstrap is running' });
    await agent.stop();
    agent = undefined;
    // A stale socket file left by a crashed agent: connection refused, i.e. not running. (Moved
    // aside while the server closes, because close() removes the socket file.)
    const sock = agentSocketPath(run);
    const stale = createServer();
    await new Promise<void>((resolve) => stale.listen(sock, resolve));
    await rename(sock, `${sock}.aside`);
    await new Promise<void>((resolve) => stale.close(() => resolve()));
    await rename(`${sock}.aside`, sock);
    const outcome = await requestReload(sock);
    expect(outcome).to.deep.equal({ kind: 'not-running', reason: `nothing listens on ${sock}` });
  });
});
