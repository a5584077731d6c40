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
import { diskSelectScript, type DiskSelectInput } from '../../../bootstrap/ignition/disk-select.js';
import { inventoryScript } from '../../../bootstrap/ignition/inventory.js';
import { hardwareReportSchema, toNodeHardware } from '../../../agent/inventory/hardware.js';
import { installFakeLsblk, lsblkSample } from '../../lib/fake-lsblk.js';
import { endpoints } from '../../../bootstrap/endpoints.js';
import { defaultDisk, fakePlan } from '../../lib/bootstrap-fixtures.js';
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

  async function runInstaller(sample: string, disk: Partial<DiskSelectInput> = {}, failing: Record<string, string> = {}): Promise<{ code: number; log: string; grub: string; posts: string[] }> {
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
    await installFakeLsblk(bin, await lsblkSample(sample));
    for (const n of ['flatcar-install', 'udevadm', 'mount', 'umount', 'sync', 'systemctl', 'sleep', 'wipefs']) await fake(n, failing[n] ?? 'exit 0');
    await fake('blkid', 'echo /dev/fake6');
    const e = endpoints('172.24.213.1', 8080);
    const plan = fakePlan(['a']);
    const diskInput = { ...defaultDisk()(), ...disk };
    const opts = { flatcarVersion: '4081.2.0', console: ['console=ttyS1,115200n8'], kernelArgs: [], disk: () => diskInput, rebootDelaySeconds: 1 };
    const select = join(d, 'racker-disk-select');
    await writeFile(select, diskSelectScript(diskInput), { mode: 0o700 });
    const headers = join(d, 'phone-home.headers');
    const inventory = join(d, 'racker-inventory');
    await writeFile(inventory, inventoryScript(url, '02:00:00:00:01:00', headers), { mode: 0o700 });
    // Point the absolute paths at the sandbox; everything else runs as generated.
    const script = installScript(e, plan.nodes[0]!, opts)
      .replace(/^report=.*$/m, `report=${await writeReport()}`)
      .replace(/^inventory=.*$/m, `inventory=${inventory}`)
      .replace(/^diskselect=.*$/m, `diskselect=${select}`)
      .replace(/^disktable=.*$/m, `disktable=${join(d, 'disks.txt')}`)
      .replace(/^wipes=.*$/m, `wipes=${join(d, 'wipes.txt')}`)
      .replace(/^oemdir=.*$/m, `oemdir=${oem}`);
    const path = join(d, 'racker-install');
    await writeFile(path, script, { mode: 0o700 });
    const r = await execa('bash', [path], { reject: false, env: { PATH: `${bin}:${process.env.PATH ?? ''}` } });
    return { code: r.exitCode ?? -1, log: await readFile(log, 'utf8'), grub: await readFile(join(oem, 'grub.cfg'), 'utf8'), posts: received.map((x) => x.body) };
  }

  const statuses = (posts: string[]): string[] => posts.map((p) => (JSON.parse(p) as { status: string }).status);

  it('sends the hardware inventory, installs to the disk the rule picks, edits grub.cfg, reports installed and reboots', async () => {
    const r = await runInstaller('nvme-sata-usb.json');
    expect(r.code, r.log).to.equal(0);
    // -b with our own assets: flatcar-install verifies the image signature itself.
    expect(r.log).to.contain("flatcar-install -d /dev/sda -b http://172.24.213.1:8080/assets/flatcar -V 4081.2.0 -o \n");
    expect(r.log).to.not.contain('wipefs');
    expect(r.grub).to.equal(`# existing\n${oemGrubCfg(endpoints('172.24.213.1', 8080), fakePlan(['a']).nodes[0]!, { console: ['console=ttyS1,115200n8'], kernelArgs: [] })}`);
    expect(statuses(r.posts)).to.deep.equal(['inventory', 'installed']);
    expect(JSON.parse(r.posts[1]!)).to.deep.include({ reason: 'installed to /dev/sda' });
    expect(r.log.trimEnd().split('\n').slice(-2)).to.deep.equal(['sleep 1', 'systemctl reboot']);
  });

  it('the inventory this machine reports (its real /sys and /proc, the lsblk sample) passes the agent\'s schema', async () => {
    const r = await runInstaller('nvme-sata-usb.json');
    const body = JSON.parse(r.posts[0]!) as { mac: string; status: string; inventory: unknown };
    expect(body.mac).to.equal('02:00:00:00:01:00');
    const inv = hardwareReportSchema.parse(body.inventory);
    expect(inv.cpu.count).to.be.greaterThan(0);
    expect(inv.memoryBytes).to.be.greaterThan(2 ** 28);
    const hw = toNodeHardware(inv, new Date().toISOString());
    expect(hw.disks.map((x) => [x.path, x.transport, x.serial])).to.deep.equal([
      ['/dev/sda', 'sata', 'PHYF912300AB480BGN'], ['/dev/sdb', 'usb', '4C530001230814117392'], ['/dev/nvme0n1', 'nvme', 'S435NA0MA01234']]);
    expect(hw.disks[1]?.filesystems).to.deep.equal(['sdb1 vfat']);
  });

  it('the inventory keeps only characters JSON needs no escaping for, at most 120 of them, whatever the firmware wrote and the system\'s locale', async () => {
    // The script's own helpers, run by bash as the script runs them (with its locale line).
    const helpers = inventoryScript('http://127.0.0.1:9/', '02:00:00:00:01:00').split('\n').filter((l) => /^(export LC_ALL=|str\(\)|num\(\)|dmi\(\))/.test(l)).join('\n');
    expect(helpers.split('\n')).to.have.length(4);
    const hostile = 'Vendor "x"\\\\ é\u0001\n$(reboot) `id` <b>&amp;';
    const r = await execa('bash', ['-c', `${helpers}\nstr "$1"; echo; str "$2"; echo; num "$3"; echo; num "$4"; echo; dmi no-such-field; echo "[$?]"`, 'sh', hostile, 'A'.repeat(300), '42', '4x'],
      { env: { LANG: 'C.UTF-8', PATH: process.env.PATH ?? '' } });
    const [s1, s2, n1, n2, d] = r.stdout.split('\n');
    expect(JSON.parse(s1 ?? '')).to.equal('Vendor x (reboot) id bamp');
    expect(JSON.parse(s2 ?? '')).to.equal('A'.repeat(120));
    expect([n1, n2, d]).to.deep.equal(['42', 'null', '[0]']);
  });

  it('refuses a disk holding file systems: reports refused with the rule and the disk table, installs nothing', async () => {
    const r = await runInstaller('old-os.json');
    expect(r.code).to.equal(1);
    expect(statuses(r.posts)).to.deep.equal(['inventory', 'refused']);
    const post = JSON.parse(r.posts[1]!) as { reason: string; output: string };
    expect(post.reason).to.equal('install disk: /dev/sda (223.6G) holds file systems (sda1:vfat,sda2:ntfs,sda3:ext4) and racker never installed this node - rule: at least 10 GiB, not USB or removable, the smallest such disk');
    expect(post.output).to.match(/^DISK +SIZE/).and.match(/\/dev\/sdb +3726\.0G/);
    expect(r.log).to.not.contain('flatcar-install').and.not.contain('systemctl reboot');
  });

  it('with the wipe policy metadata it erases the disk\'s signatures first and says so in its report', async () => {
    const r = await runInstaller('old-os.json', { wipe: 'metadata' });
    expect(r.code, r.log).to.equal(0);
    expect(r.log.split('\n').filter((l) => l.startsWith('wipefs') || l.startsWith('flatcar-install')).map((l) => l.split(' -b')[0])).to.deep.equal([
      'wipefs --all --force /dev/sda1', 'wipefs --all --force /dev/sda2', 'wipefs --all --force /dev/sda3', 'wipefs --all --force /dev/sda', 'flatcar-install -d /dev/sda']);
    expect(JSON.parse(r.posts[1]!)).to.deep.include({ status: 'installed', reason: 'installed to /dev/sda, signatures erased on /dev/sda1 /dev/sda2 /dev/sda3 /dev/sda' });
  });

  it('a failing step reports the command as it ran, the last lines of its output, and does not reboot', async () => {
    const noise = Array.from({ length: 30 }, (_, i) => `echo "progress line ${i}"`).join('\n');
    const r = await runInstaller('sim.json', { rule: { device: '/dev/vda' } }, { 'flatcar-install': `${noise}\necho 'Error: "/dev/vda" is not a block device' >&2\nexit 1` });
    expect(r.code).to.not.equal(0);
    const [post, ...more] = r.posts.map((p) => JSON.parse(p) as { status: string; reason: string; output: string }).filter((p) => p.status !== 'inventory');
    expect(more).to.deep.equal([]);
    expect(post?.status).to.equal('failed');
    expect(post?.reason).to.match(/^install step failed \(line \d+\): flatcar-install -d \/dev\/vda -b http:\/\/172\.24\.213\.1:8080\/assets\/flatcar -V 4081\.2\.0 -o $/);
    const lines = post?.output.trimEnd().split('\n') ?? [];
    expect(lines.at(-1)).to.equal('Error: /dev/vda is not a block device');
    expect(lines).to.have.length(15);
    expect(r.log).to.not.contain('systemctl reboot');
  });

  it('reports refused, with the rule, when no disk qualifies, and does not reboot', async () => {
    const r = await runInstaller('nvme-sata-usb.json', { rule: { minSizeGiB: 2000 } });
    expect(r.code).to.equal(1);
    const post = JSON.parse(r.posts[1]!) as { status: string; reason: string };
    expect(post).to.deep.include({ status: 'refused', reason: 'install disk: no disk matches the rule: at least 2000 GiB, not USB or removable, the smallest such disk' });
    expect(r.log).to.not.contain('systemctl reboot').and.not.contain('flatcar-install');
  });

});
