/**
 * The shell scripts racker puts on nodes, run for real with bash: the phone-home report against a
 * local HTTP server, and the installer with stand-ins for the disk tools (lsblk, flatcar-install,
 * blkid, mount) so its disk choice and grub.cfg edit can be checked without a disk.
 */
import { expect } from 'chai';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { execa } from 'execa';
import { reportScript } from '../../../bootstrap/ignition/phone-home.js';
import { installScript, oemGrubCfg } from '../../../bootstrap/ignition/install.js';
import { endpoints } from '../../../bootstrap/endpoints.js';
import { fakePlan } from '../../lib/bootstrap-fixtures.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';

interface Received { url: string; headers: IncomingHttpHeaders; body: string }

describe('node scripts (bash, curl)', function () {
  this.timeout(60_000);
  let dir: string | undefined;
  let server: Server | undefined;
  const received: Received[] = [];
  /** The statuses the next requests get, in order (then 200). */
  const answers: number[] = [];
  let url = '';

  before(async () => {
    dir = await makeTempDir('racker-scripts-');
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => { body += c.toString(); });
      req.on('end', () => {
        received.push({ url: req.url ?? '', headers: req.headers, body });
        res.statusCode = answers.shift() ?? 200;
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/racker/v1/events`;
  });
  after(async () => {
    await new Promise<void>((r) => { if (server) server.close(() => r()); else r(); });
    await removeTempDir(dir);
  });
  beforeEach(() => { received.length = 0; });

  async function writeReport(): Promise<string> {
    const headers = join(dir as string, 'phone-home.headers');
    await writeFile(headers, 'Authorization: Bearer s3cret-token\n', { mode: 0o600 });
    const script = join(dir as string, 'racker-report');
    await writeFile(script, reportScript(url, '02:00:00:00:01:00', headers), { mode: 0o700 });
    return script;
  }

  it('racker-report sends again after a 503, and takes a 409 (made already: the agent kept it) as done', async () => {
    const script = await writeReport();
    answers.push(503);
    const again = await execa('bash', [script, 'installed'], { reject: false });
    expect([again.exitCode, received.length]).to.deep.equal([0, 2]);
    received.length = 0;
    answers.push(409);
    const made = await execa('bash', [script, 'ready'], { reject: false });
    expect([made.exitCode, received.length]).to.deep.equal([0, 1]);
    expect(made.stderr).to.contain('ready was reported already');
  });

  it('racker-report posts JSON with the token from the header file, not argv', async () => {
    const script = await writeReport();
    await writeFile(join(dir as string, 'payload'), 'apiVersion: v1\nkind: Config\n');
    await execa('bash', [script, 'failed', 'disk "sda" broke; rm -rf / $(x)', join(dir as string, 'payload')]);
    expect(received).to.have.length(1);
    const r = received[0]!;
    expect(r.headers.authorization).to.equal('Bearer s3cret-token');
    expect(r.headers['content-type']).to.equal('application/json');
    const body = JSON.parse(r.body) as Record<string, string>;
    expect(body).to.deep.include({ mac: '02:00:00:00:01:00', status: 'failed', reason: 'disk sda broke rm -rf / (x)' });
    expect(Buffer.from(body.payload ?? '', 'base64').toString()).to.equal('apiVersion: v1\nkind: Config\n');
  });

  async function runInstaller(lsblkOutput: string, installDisk?: string, failing: Record<string, string> = {}): Promise<{ code: number; log: string; grub: string; posts: string[] }> {
    const d = dir as string;
    const bin = join(d, 'bin');
    const oem = join(d, 'oem');
    await mkdir(bin, { recursive: true });
    await mkdir(oem, { recursive: true });
    await writeFile(join(oem, 'grub.cfg'), '# existing\n');
    const log = join(d, 'calls.log');
    await writeFile(log, '');
    const fake = async (name: string, body: string): Promise<void> => {
      await writeFile(join(bin, name), `#!/bin/bash\necho "${name} $*" >> ${log}\n${body}\n`);
      await chmod(join(bin, name), 0o755);
    };
    await fake('lsblk', `cat <<'EOF'\n${lsblkOutput}\nEOF`);
    for (const n of ['flatcar-install', 'udevadm', 'mount', 'umount', 'sync', 'systemctl', 'sleep']) await fake(n, failing[n] ?? 'exit 0');
    await fake('blkid', 'echo /dev/fake6');
    const e = endpoints('172.24.213.1', 8080);
    const plan = fakePlan(['a']);
    const opts = { flatcarVersion: '4081.2.0', console: ['console=ttyS1,115200n8'], kernelArgs: [], installDisk, minDiskGiB: 10, rebootDelaySeconds: 1 };
    // Point the two absolute paths at the sandbox; everything else runs as generated.
    const script = installScript(e, plan.nodes[0]!, opts)
      .replace(/^report=.*$/m, `report=${await writeReport()}`)
      .replace(/^oemdir=.*$/m, `oemdir=${oem}`);
    const path = join(d, 'racker-install');
    await writeFile(path, script, { mode: 0o700 });
    const r = await execa('bash', [path], { reject: false, env: { PATH: `${bin}:${process.env.PATH ?? ''}` } });
    return { code: r.exitCode ?? -1, log: await readFile(log, 'utf8'), grub: await readFile(join(oem, 'grub.cfg'), 'utf8'), posts: received.map((x) => x.body) };
  }

  it('installs to the smallest non-removable, writable disk, edits grub.cfg, reports installed and reboots', async () => {
    const GiB = 1024 ** 3;
    const r = await runInstaller([
      // lsblk -x SIZE lists in ascending size.
      `/dev/sdc ${4 * GiB} 0 0 disk`, // too small
      `/dev/sr0 ${20 * GiB} 0 1 rom`,
      `/dev/sdb ${28 * GiB} 1 0 disk`, // removable (USB stick)
      `/dev/sdd ${30 * GiB} 0 1 disk`, // read-only
      `/dev/nvme0n1 ${240 * GiB} 0 0 disk`,
      `/dev/sda ${960 * GiB} 0 0 disk`,
    ].join('\n'));
    expect(r.code, r.log).to.equal(0);
    // -b with our own assets: flatcar-install verifies the image signature itself.
    expect(r.log).to.contain("flatcar-install -d /dev/nvme0n1 -b http://172.24.213.1:8080/assets/flatcar -V 4081.2.0 -o \n");
    expect(r.grub).to.equal(`# existing\n${oemGrubCfg(endpoints('172.24.213.1', 8080), fakePlan(['a']).nodes[0]!, { console: ['console=ttyS1,115200n8'], kernelArgs: [] })}`);
    expect(r.posts.map((p) => (JSON.parse(p) as { status: string }).status)).to.deep.equal(['installed']);
    expect(r.log.trimEnd().split('\n').slice(-2)).to.deep.equal(['sleep 1', 'systemctl reboot']);
  });

  it('a failing step reports the command as it ran, the last lines of its output, and does not reboot', async () => {
    const noise = Array.from({ length: 30 }, (_, i) => `echo "progress line ${i}"`).join('\n');
    const r = await runInstaller('', '/dev/vda', { 'flatcar-install': `${noise}\necho 'Error: "/dev/vda" is not a block device' >&2\nexit 1` });
    expect(r.code).to.not.equal(0);
    const [post, ...more] = r.posts.map((p) => JSON.parse(p) as { status: string; reason: string; output: string });
    expect(more).to.deep.equal([]);
    expect(post?.status).to.equal('failed');
    expect(post?.reason).to.match(/^install step failed \(line \d+\): flatcar-install -d \/dev\/vda -b http:\/\/172\.24\.213\.1:8080\/assets\/flatcar -V 4081\.2\.0 -o $/);
    const lines = post?.output.trimEnd().split('\n') ?? [];
    expect(lines.at(-1)).to.equal('Error: /dev/vda is not a block device');
    expect(lines).to.have.length(15);
    expect(r.log).to.not.contain('systemctl reboot');
  });

  it('reports failed, with the reason, when no disk qualifies, and does not reboot', async () => {
    const r = await runInstaller(`/dev/sdb ${64 * 1024 ** 3} 1 0 disk`);
    expect(r.code).to.equal(1);
    expect(r.posts.map((p) => JSON.parse(p) as { status: string; reason: string })).to.deep.equal([{ mac: '02:00:00:00:01:00', status: 'failed', reason: 'no install disk: none configured and no non-removable disk of at least 10 GiB', payload: '', output: '' }]);
    expect(r.log).to.not.contain('systemctl reboot').and.not.contain('flatcar-install');
  });
});
