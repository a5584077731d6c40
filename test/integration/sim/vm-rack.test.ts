/**
 * SLOW (QEMU under TCG, about 2–4 minutes; the first run also builds the stand-in OS, a few
 * minutes more): one simulated server with the stand-in OS (real systemd, Debian's Ignition) whose BMC leases its address from
 * dnsmasq like a real BMC, powered on over IPMI with boot device PXE, booted by a minimal dnsmasq + HTTP boot service started here (the real boot service is
 * another part of racker), through iPXE → kernel/initrd → Ignition (install config) → flatcar-install
 * → `installed` → boot device disk → reboot → Ignition (os=installed) → `ready`. Then the same
 * server's serial console through `racker ipmi NODE console`: racker's own SOL to ipmi_sim, whose
 * SOL is the VM's QEMU serial port (sim/bmc-config.ts, sim/vm.ts), in a real terminal (tmux).
 */
import { expect } from 'chai';
import { execa, type ResultPromise } from 'execa';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { repoRoot } from '../../lib/paths.js';
import { ipmitool, runSim, simSkipReason } from '../../lib/run-sim.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';
import { bootIpxe, installIgnition, installedIgnition } from '../../lib/boot-configs.js';
import type { Mac } from '../../../agent/lib/mac.js';
import type { RackStatus } from '../../../sim/commands/status.js';
import { racker } from '../../lib/paths.js';
import { TmuxTerminal } from '../../lib/tmux.js';
import { DETACH_HINT } from '../../../agent/cli/sol-terminal.js';

interface Req { method: string; path: string; query: Record<string, string>; userAgent?: string; body: string }

describe('racker-sim VM with the stand-in OS [SLOW: QEMU/TCG, ~2 min]', function () {
  this.timeout(600_000);
  const name = `vm${process.pid}`;
  let root: string;
  let status: RackStatus;
  const children: ResultPromise[] = [];
  let term: TmuxTerminal | undefined;
  /** Set once the first test has the server installed and running, with its BMC on its lease. */
  let booted = false;

  before(async function () {
    const why = await simSkipReason(['qemu-system-x86_64', 'ipmi_sim', 'ipmitool', 'dnsmasq', 'apt-get']);
    if (why !== undefined) this.skip();
    root = await makeTempDir('racker-sim-vm-');
    // --agent manual: this test runs its own minimal boot service in the management namespace.
    const created = await runSim(['create', '--nodes', '1', '--agent', 'manual', '--name', name, '--root', root], {}, 900_000);
    expect(created.code, created.stderr).to.equal(0);
    status = JSON.parse((await runSim(['status', '--json', '--name', name, '--root', root])).stdout) as RackStatus;
  });
  after(async () => {
    await term?.stop();
    for (const c of children) if (c.pid !== undefined) c.kill('SIGTERM');
    await Promise.allSettled(children);
    if (root === undefined) return;
    await runSim(['destroy', '--name', name, '--root', root]);
    await removeTempDir(root);
  });

  it('PXE-installs and phones home like Flatcar', async () => {
    const node = status.nodes[0] as RackStatus['nodes'][0];
    const mac = node.primaryMac as Mac;
    const base = `http://${status.managementAddress}:8080`;
    const web = join(root, 'web');
    await mkdir(join(web, 'assets'), { recursive: true });
    await symlink(status.os?.assetsDir as string, join(web, 'assets', 'flatcar'));
    await writeFile(join(web, 'boot.ipxe'), bootIpxe(base));
    await writeFile(join(web, 'install.ign'), installIgnition(base, mac));
    await writeFile(join(web, 'installed.ign'), installedIgnition(base, mac, node.name));
    for (const f of ['install.ign', 'installed.ign']) await execa('ignition-validate', [join(web, f)]);

    const mgmt = status.mgmtNetns;
    // iPXE waits ~13 s for IPv6 autoconfiguration unless a router advertisement comes: give it one.
    await execa('ip', ['-n', mgmt, 'addr', 'add', 'fd00:24:213::1/64', 'dev', status.pxeInterface]);
    const dnsmasq = execa('ip', ['netns', 'exec', mgmt, 'dnsmasq', '--no-daemon', '--conf-file=/dev/null', '--port=0',
      `--interface=${status.pxeInterface}`, '--bind-interfaces', `--dhcp-leasefile=${join(root, 'leases')}`, '--no-ping',
      '--dhcp-range=172.24.213.100,172.24.213.150,1h', `--dhcp-host=${mac},${node.plannedAddress}`, `--dhcp-host=${node.bmcMac},${node.plannedBmcAddress}`,
      '--dhcp-match=set:ipxe,175', `--dhcp-boot=tag:ipxe,${base}/boot.ipxe`, '--enable-ra', '--dhcp-range=fd00:24:213::,ra-only'], { reject: false });
    children.push(dnsmasq);
    const server = execa('ip', ['netns', 'exec', mgmt, process.execPath, join(repoRoot, 'dist/test/lib/tiny-boot-server.js'), status.managementAddress, '8080', web],
      { reject: false, stdin: 'pipe' });
    children.push(server);
    const requests: Req[] = [];
    const waiters: (() => void)[] = [];
    createInterface({ input: server.stdout }).on('line', (l) => {
      const r = JSON.parse(l) as Req & { listening?: string };
      if (r.listening === undefined) requests.push(r);
      for (const w of waiters.splice(0)) w();
    });
    const waitFor = async (what: string, pred: (r: Req) => boolean, ms: number): Promise<Req> => {
      const deadline = Date.now() + ms;
      for (;;) {
        const hit = requests.find(pred);
        if (hit !== undefined) return hit;
        if (Date.now() > deadline) {
          const log = await readFile(node.consoleLog as string, 'utf8').catch(() => '');
          throw new Error(`no ${what} within ${ms / 1000} s; requests: ${JSON.stringify(requests)}\nconsole tail:\n${log.split('\n').slice(-25).join('\n')}`);
        }
        await new Promise<void>((res) => { waiters.push(res); setTimeout(res, 1000); });
      }
    };
    await waitFor('boot service', () => true, 0).catch(() => undefined);

    // The BMC asks for its address (udhcpc with the BMC's MAC) and starts answering on the lease.
    expect(node.bmc).to.equal('waiting-for-dhcp');
    let leased: RackStatus['nodes'][0] | undefined;
    for (let i = 0; i < 60 && leased?.bmc !== 'running'; i++) {
      await new Promise((res) => setTimeout(res, 1000));
      leased = (JSON.parse((await runSim(['status', '--json', '--name', name, '--root', root])).stdout) as RackStatus).nodes[0];
    }
    expect(leased).to.deep.include({ bmc: 'running', bmcAddress: node.plannedBmcAddress });
    const password = (await readFile(status.oem.ipmiPassword, 'utf8')).trim();
    const bmc = (args: string[]) => ipmitool(mgmt, node.plannedBmcAddress, password, args);
    expect((await bmc(['chassis', 'bootdev', 'pxe'])).code).to.equal(0);
    expect((await bmc(['chassis', 'power', 'on'])).code).to.equal(0);

    await waitFor('GET /boot.ipxe', (r) => r.path === '/boot.ipxe', 90_000);
    const install = await waitFor('install Ignition fetch', (r) => r.path === '/ignition' && r.query.os === undefined, 120_000);
    expect(install.userAgent).to.match(/^Ignition\//);
    expect(install.query.mac).to.equal(mac.replace(/:/g, '-'));
    await waitFor('image download by flatcar-install', (r) => r.path === '/assets/flatcar/current/flatcar_production_image.bin.bz2', 60_000);
    const installed = await waitFor('installed report', (r) => r.method === 'POST' && r.body.includes('installed'), 60_000);
    expect(installed.query.mac).to.equal(mac.replace(/:/g, '-'));
    // What the agent does on `installed`: boot device back to disk, then let the node reboot.
    expect((await bmc(['chassis', 'bootdev', 'disk'])).code).to.equal(0);
    server.stdin?.write('ack\n');

    const second = await waitFor('installed Ignition fetch', (r) => r.path === '/ignition' && r.query.os === 'installed', 120_000);
    expect(second.userAgent).to.match(/^Ignition\//);
    const ready = await waitFor('ready report', (r) => r.method === 'POST' && r.body.includes('ready'), 60_000);
    server.stdin?.write('ack\n');
    expect(JSON.parse(ready.body)).to.deep.equal({ status: 'ready', host: mac.replace(/:/g, '') });
    // One PXE boot, then the disk: exactly one /boot.ipxe.
    expect(requests.filter((r) => r.path === '/boot.ipxe')).to.have.length(1);
    const events = await readFile(join(node.dir, 'events'), 'utf8');
    expect(events).to.match(/start pxe[\s\S]*set boot default[\s\S]*start default/);
    // The unit finishes once its POST is answered (above).
    let console = '';
    // systemd's status line on the console (the unit name may be wrapped in colour codes).
    const finished = /Finished \S*phone-home\.service/;
    for (let i = 0; i < 30 && !finished.test(console); i++) {
      await new Promise((res) => setTimeout(res, 500));
      console = await readFile(node.consoleLog as string, 'utf8');
    }
    expect(console).to.include('is installed on /dev/vda');
    expect(console).to.match(finished);
    expect(console).to.include('adding ssh keys to user "core"'); // the real Ignition, passwd section
    expect(await readFile(join(root, 'leases'), 'utf8')).to.include(node.bmcMac);
    booted = true;
  });

  it('racker ipmi NODE console shows the server\'s serial console (its login prompt) over SOL and detaches with ~.', async function () {
    if (!booted) throw new Error('the server did not boot (previous test), so it has no console to show');
    const node = status.nodes[0] as RackStatus['nodes'][0];
    const t = new TmuxTerminal(root);
    term = t;
    await t.start(['sh'], { PS1: '$ ' }, { width: 120, height: 30 });
    // From the management namespace, where the agent runs, with the rack's configuration; no
    // ipmitool on PATH: the console is racker's own SOL.
    await t.type(`ip netns exec ${status.mgmtNetns} /usr/bin/env PATH=/nonexistent ${process.execPath} ${racker} ipmi ${node.primaryMac} console --config ${status.config}; echo racker-exit:$?`);
    await t.keys('Enter');
    await t.waitFor(/SOL session operational on /, 60_000);
    expect(await t.transcript()).to.include(DETACH_HINT);
    // The stand-in OS runs a getty on ttyS0 (console=ttyS0): Enter makes it print its prompt again.
    await t.keys('Enter');
    await t.waitFor(/login: *$/m, 60_000);
    await t.type('core');
    await t.keys('Enter');
    await t.waitFor(/Password: *$/m, 30_000); // the guest's login program answered what was typed
    // Detach at the start of a line (Ctrl-C ends the login attempt there first).
    await t.keys('C-c', 'Enter');
    await t.type('~.');
    await t.waitFor(/racker-exit:0/, 30_000);
    await t.type('echo back-at-the-shell-$((6*7))');
    await t.keys('Enter');
    await t.waitFor(/back-at-the-shell-42/);
  });
});
