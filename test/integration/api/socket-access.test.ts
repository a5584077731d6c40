import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFakeRack, type FakeRack } from '../../lib/fake-rack.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';
import { freePort, isReady, startAgent, type AgentProcess } from '../../lib/agent-process.js';
import { racker } from '../../lib/paths.js';
import { bootstrapBody } from '../../lib/bootstrap-request.js';

/** Run a program as another user (setpriv from util-linux): `uid`, primary group `gid`, supplementary `groups`. */
function runAs(uid: number, gid: number, groups: number[], file: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const ids = [`--reuid=${uid}`, `--regid=${gid}`, groups.length === 0 ? '--clear-groups' : `--groups=${groups.join(',')}`];
  return new Promise((resolve) => {
    execFile('setpriv', [...ids, '--', file, ...args], { env: { PATH: process.env.PATH ?? '', ...env } }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr });
    });
  });
}

function exec(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => execFile(file, args, (err, stdout, stderr) => (err === null ? resolve(stdout) : reject(new Error(`${file} ${args.join(' ')}: ${stderr}`)))));
}

/** curl on a unix socket: the HTTP status, or `connect failed` (curl exit 7) when the socket refused the user. */
async function curl(as: { uid: number; gid: number; groups: number[] }, socket: string, method: string, path: string, body?: string): Promise<string> {
  const args = ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--unix-socket', socket, '-X', method, ...(body === undefined ? [] : ['-H', 'content-type: application/json', '--data', body]), `http://agent${path}`];
  const r = await runAs(as.uid, as.gid, as.groups, 'curl', args);
  return r.code === 7 ? 'connect failed' : r.stdout;
}

describe('control API: the socket group may read, only root (or agent.controlGroup) may control', function () {
  this.timeout(60_000);
  const group = `rackertest${randomBytes(3).toString('hex')}`;
  let gid: number;
  // A user that exists only as a number: setpriv needs no passwd entry.
  const uid = 40_000 + randomBytes(2).readUInt16BE() % 20_000;
  let dir: string | undefined;
  let rack: FakeRack;
  let agent: AgentProcess | undefined;

  before(async () => {
    await exec('groupadd', ['--system', group]);
    gid = Number((await exec('getent', ['group', group])).split(':')[2]);
  });
  after(async () => {
    await exec('groupdel', [group]);
  });

  const start = async (extra: string): Promise<void> => {
    dir = await makeTempDir('racker-socket-');
    rack = await writeFakeRack(dir, { isolated: { bootPort: await freePort() }, configYaml: `agent:\n  metricsPort: ${await freePort()}\n${extra}` });
    await chmod(dir, 0o755); // mkdtemp makes it 0700; the run directory must be reachable, as /run/racker is
    agent = startAgent(rack.env);
    await agent.waitForLog(isReady);
  };
  afterEach(async () => {
    await agent?.kill('SIGKILL');
    agent = undefined;
    await removeTempDir(dir);
  });

  it('a member of agent.socketGroup runs `racker status` and reads events, but cannot create, cancel or reload; others cannot connect', async () => {
    await start(`  socketGroup: ${group}\n`);
    const control = join(rack.runDir, 'agent.sock');
    const read = join(rack.runDir, 'status.sock');
    expect((await stat(control)).mode & 0o777).to.equal(0o600);
    expect((await stat(read)).mode & 0o777).to.equal(0o660);
    expect((await stat(read)).gid).to.equal(gid);

    const member = { uid, gid: uid, groups: [gid] };
    const status = await runAs(member.uid, member.gid, member.groups, process.execPath, [racker, 'status', '--json'], rack.env);
    expect(status.code, status.stderr).to.equal(0);
    expect((JSON.parse(status.stdout) as { agentRunning: boolean }).agentRunning).to.equal(true);
    expect(await curl(member, read, 'GET', '/v1/events?follow=false')).to.equal('200');
    expect(await curl(member, read, 'GET', '/v1/jobs')).to.equal('200');

    // Control: not on the read socket (403), and the control socket refuses the connection.
    expect(await curl(member, read, 'POST', '/v1/jobs', bootstrapBody())).to.equal('403');
    expect(await curl(member, read, 'POST', '/v1/reload')).to.equal('403');
    expect(await curl(member, control, 'POST', '/v1/jobs', bootstrapBody())).to.equal('connect failed');
    expect(await curl(member, control, 'GET', '/v1/health')).to.equal('connect failed');
    const cancel = await runAs(member.uid, member.gid, member.groups, process.execPath, [racker, 'bootstrap', '--cancel', 'no-such-job'], rack.env);
    expect(cancel.code).to.equal(1);

    const stranger = { uid, gid: uid, groups: [] };
    expect(await curl(stranger, read, 'GET', '/v1/health')).to.equal('connect failed');
    const denied = await runAs(stranger.uid, stranger.gid, stranger.groups, process.execPath, [racker, 'status'], rack.env);
    expect(denied.stderr).to.include('permission denied').and.include('agent.socketGroup');

    // Root, on the control socket, still controls.
    expect(await curl({ uid: 0, gid: 0, groups: [0] }, control, 'POST', '/v1/reload')).to.equal('200');
  });

  it('agent.controlGroup opens the control socket to that group', async () => {
    await start(`  controlGroup: ${group}\n`);
    const control = join(rack.runDir, 'agent.sock');
    expect((await stat(control)).mode & 0o777).to.equal(0o660);
    expect((await stat(join(rack.runDir, 'status.sock'))).mode & 0o777).to.equal(0o600);
    expect(await curl({ uid, gid: uid, groups: [gid] }, control, 'POST', '/v1/reload')).to.equal('200');
    expect(await curl({ uid, gid: uid, groups: [] }, control, 'POST', '/v1/reload')).to.equal('connect failed');
  });
});
