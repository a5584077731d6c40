/**
 * `racker-sim create`: build a simulated rack. Every part is recorded in the state file before it
 * is made; a failure half-way removes what was made (as `destroy` would) and reports the step.
 * stdout gets the racker configuration's path (or, with --json, the rack's status); the summary
 * and the next steps go to stderr.
 */
import { signStandinAssets, type SignedAssets } from '../standin-signing.js';
import { dirname, join } from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { writeLine, type CliContext } from '../../agent/cli-kit/context.js';
import { parseCommandArgs } from '../../agent/cli-kit/args.js';
import { exec } from '../../agent/lib/exec.js';
import { ErrorCodes, RackerError, UsageError, errorMessage } from '../../agent/lib/errors.js';
import { loadConfig } from '../../agent/config/load.js';
import { rackSpec } from '../rack-spec.js';
import { addNetns, mgmtLinkCommands, netnsExists, rackLinkCommands, runIpBatch, setSysctls, RACK_SYSCTLS } from '../netns.js';
import { readState, writeState, type SimState } from '../state.js';
import { checkPathSafe, newBmcPassword, nodeDir, simDirs, writeRackFiles, SIM_SH_DIR } from '../sim-files.js';
import { checkBmcsRunning, startDhcpBmc, startPinnedBmc } from '../bmc.js';
import { publicBridgeAddressCommand, startPublicDhcp } from '../public-net.js';
import { cacheDir, ensureStandinOs, flatcarOs, type BootOs } from '../standin.js';
import { OVMF_VARS, QEMU, prepareVm, probeAccel } from '../vm-setup.js';
import { hardwareOptions, simHardware } from '../hardware.js';
import { RACK_OPTIONS, rackRef, requireRoot } from './common.js';
import { destroyRack } from './destroy.js';
import { rackStatus, renderStatus } from './status.js';
import { bootNode, ensureMgmtOs, installPayload, mgmtPaths, mountNetnsSysfs, mountRoot, nspawnArgs, OS_MOUNT, startAgentUnit, writeMgmtFiles, writeSystemctlShim } from '../mgmt-node.js';
import { renderRackerConfig } from '../racker-config.js';
import { payloadFileName } from '../../installer/archive.js';
import { pathExists } from '../../agent/lib/path-exists.js';
import { rackerVersion } from '../../agent/lib/racker-version.js';

const BMC_START_BATCH = 8;
const USAGE = 'racker-sim create [--nodes N] [--uefi] [--no-vm] [--data-disk NODE,...] [--pin-bmc-addresses] [--flatcar DIR] [--agent systemd|manual] [--payload FILE] [--name NAME] [--root DIR] [--json]';
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const HELP = `usage: ${USAGE}

Build a simulated rack: network namespaces racker-sim-NAME (the rack: internal and public bridges,
one ipmi_sim BMC per node, one QEMU server per node booting the stand-in OS under systemd, DHCP on
the public bridge, 198.18.0.0/24) and racker-sim-NAME-mgmt (the management node,
where the agent runs), the OEM files (nodes.csv, ipmi_user, ipmi_password) and a racker
configuration. Prints the configuration's path.

  --nodes N              servers besides the management node (default 3); each has SMBIOS strings, a
                         20 GiB system disk and a 2 GiB USB stick, each disk with its own serial
  --data-disk NODE,...   these servers (node-02, ...) also get a 12 GiB disk holding an ext4 file system
  --uefi                 OVMF firmware instead of SeaBIOS
  --no-vm                BMCs only: power and boot device are recorded, no QEMU; BMC addresses pinned
  --pin-bmc-addresses    BMCs on fixed addresses (in the configuration) instead of DHCP leases
  --flatcar DIR          boot real Flatcar PXE images from DIR instead of the stand-in OS
  --agent systemd        (default with VMs) the management node is a systemd-nspawn container: the
                         payload is installed by installer/extract and racker-agent.service runs
                         under systemd; run racker there with: racker-sim exec -- racker status
  --agent manual         (default with --no-vm) only the management namespace; run the agent yourself
  --payload FILE         the payload for --agent systemd (default: build/racker-<version>-linux-x64.tar.gz,
                         made by npm run payload)
  --name NAME            rack name (default "rack")
  --root DIR             where racks live (default /var/lib/racker-sim, or RACKER_SIM_ROOT)`;

/** What `npm run payload` builds from this checkout. */
async function defaultPayload(): Promise<string> {
  return join(REPO, 'build', payloadFileName(await rackerVersion()));
}

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseCommandArgs(args, {
    ...RACK_OPTIONS,
    nodes: { type: 'string' },
    uefi: { type: 'boolean' },
    'no-vm': { type: 'boolean' },
    'pin-bmc-addresses': { type: 'boolean' },
    flatcar: { type: 'string' },
    agent: { type: 'string' },
    payload: { type: 'string' },
    'data-disk': { type: 'string' },
  }, USAGE);
  if (values.help === true) {
    writeLine(ctx.stdout, HELP);
    return 0;
  }
  const nodes = values.nodes === undefined ? 3 : Number(values.nodes);
  const vm = values['no-vm'] !== true;
  if (!vm && values.flatcar !== undefined) throw new UsageError('--flatcar needs VMs; drop --no-vm');
  if (!vm && values.uefi === true) throw new UsageError('--uefi needs VMs; drop --no-vm');
  const agent = values.agent ?? (vm ? 'systemd' : 'manual');
  if (agent !== 'systemd' && agent !== 'manual') throw new UsageError(`--agent must be systemd or manual, not "${agent}"`, `usage: ${USAGE}`);
  if (agent === 'manual' && values.payload !== undefined) throw new UsageError('--payload is for --agent systemd');
  const payload = agent === 'systemd' ? values.payload ?? await defaultPayload() : undefined;
  if (payload !== undefined && !(await pathExists(payload))) {
    throw new RackerError(ErrorCodes.sim, `the payload ${payload} does not exist`, { hint: 'build it with: npm run payload (or give --payload FILE, or --agent manual)' });
  }
  const ref = rackRef(values, ctx);
  const spec = rackSpec(ref.name, nodes);
  const dataDisks = values['data-disk'] === undefined ? [] : values['data-disk'].split(',').map((x) => x.trim()).filter((x) => x !== '');
  for (const d of dataDisks) if (!spec.nodes.some((n) => n.name === d)) throw new UsageError(`--data-disk ${d}: no such server`, `the servers are ${spec.nodes.map((n) => n.name).join(', ')}`);
  requireRoot();
  checkPathSafe('the rack directory', ref.dir);
  checkPathSafe('the racker-sim installation', SIM_SH_DIR);

  if (await readState(ref.dir).catch(() => true) !== undefined || await netnsExists(exec, spec.netns) || await netnsExists(exec, spec.mgmtNetns)) {
    throw new RackerError(ErrorCodes.conflict, `a simulated rack "${ref.name}" already exists (${ref.dir} or namespace ${spec.netns})`,
      { hint: `use it (racker-sim status --name ${ref.name}), or remove it first: racker-sim destroy --name ${ref.name}` });
  }
  const dirs = simDirs(ref.dir);
  const pin = !vm || values['pin-bmc-addresses'] === true;
  const state: SimState = {
    version: 1, name: ref.name, dir: ref.dir, createdAt: new Date().toISOString(), phase: 'creating',
    options: { nodes, uefi: values.uefi === true, vm, pinBmcAddresses: pin, flatcarDir: values.flatcar, agent, payload, dataDisks },
    // With --agent systemd the configuration that counts is the node's /etc/racker/racker.yaml.
    accel: undefined, netns: [], configPath: agent === 'systemd' ? join(mgmtPaths(ref.dir).root, 'etc', 'racker', 'racker.yaml') : dirs.configPath, os: undefined,
  };
  const progress = (line: string): void => writeLine(ctx.stderr, `racker-sim: ${line}`);
  let step = 'writing the state file';
  try {
    await writeState(state);
    let os: BootOs | undefined;
    let signed: SignedAssets | undefined;
    if (vm) {
      step = 'preparing the OS image';
      os = values.flatcar !== undefined ? await flatcarOs(values.flatcar) : await ensureStandinOs(exec, cacheDir(ctx.env), progress);
      state.os = os;
      if (os.kind === 'standin') {
        step = 'signing the stand-in OS images with the simulator\'s key';
        signed = await signStandinAssets(exec, os.assetsDir, dirname(os.assetsDir));
      }
      step = 'probing KVM';
      state.accel = await probeAccel(exec, os.kernel, ref.dir);
      await writeState(state);
    }
    let mgmtRootfs: string | undefined;
    if (agent === 'systemd') {
      step = 'preparing the management node\'s rootfs';
      mgmtRootfs = await ensureMgmtOs(exec, cacheDir(ctx.env), progress);
    }
    step = 'writing the OEM files and the racker configuration';
    await writeRackFiles(spec, dirs, { vm, qemu: QEMU, ovmfVarsTemplate: state.options.uefi ? OVMF_VARS : undefined, password: newBmcPassword(), pinBmcAddresses: pin, flatcar: signed, uefi: state.options.uefi });
    step = 'checking the written racker configuration';
    await loadConfig({ flag: dirs.configPath, env: {} });
    for (const ns of [spec.netns, spec.mgmtNetns]) {
      step = `creating namespace ${ns}`;
      state.netns.push(ns);
      await writeState(state);
      await addNetns(exec, ns);
    }
    step = 'creating the bridges, BMC interfaces and taps';
    await setSysctls(exec, spec.netns, RACK_SYSCTLS);
    await runIpBatch(exec, spec.netns, rackLinkCommands(spec, { vm }));
    await runIpBatch(exec, spec.mgmtNetns, mgmtLinkCommands(spec));
    if (vm) {
      step = 'starting the public network\'s DHCP server';
      await runIpBatch(exec, spec.netns, [publicBridgeAddressCommand(spec)]);
      await startPublicDhcp(spec, ref.dir);
    }
    if (vm && os !== undefined && state.accel !== undefined) {
      for (const node of spec.nodes) {
        step = `${node.name}: creating its disk and QEMU command lines`;
        await prepareVm(exec, ref.dir, node, state.accel, os, state.options.uefi, simHardware(ref.name, node, hardwareOptions(state.options, node)));
      }
    }
    // A few BMCs at a time: each start is a handful of short processes (ip, sed, ipmi_sim).
    for (let i = 0; i < spec.nodes.length; i += BMC_START_BATCH) {
      const batch = spec.nodes.slice(i, i + BMC_START_BATCH);
      step = `starting the BMCs of ${batch.map((n) => n.name).join(', ')}`;
      await Promise.all(batch.map(async (node) => {
        if (pin) await startPinnedBmc(exec, spec, ref.dir, node);
        else await writeFile(join(nodeDir(ref.dir, node), 'udhcpc.pid'), `${await startDhcpBmc(spec, ref.dir, node)}\n`);
      }));
    }
    if (pin) {
      step = 'checking the BMCs run';
      await checkBmcsRunning(ref.dir, spec.nodes);
    }
    if (mgmtRootfs !== undefined && payload !== undefined) {
      step = 'starting the management node';
      progress('starting the management node (systemd-nspawn) and installing racker into it');
      const p = mgmtPaths(ref.dir);
      await mountRoot(exec, p, mgmtRootfs);
      await mountNetnsSysfs(exec, p, spec.mgmtNetns);
      const osDir = signed === undefined ? undefined : dirname(signed.localDir);
      const flatcar = signed === undefined || osDir === undefined ? undefined
        : { localDir: join(OS_MOUNT, 'signed'), signingKey: join(OS_MOUNT, 'standin-signing-cert.asc'), version: signed.version };
      await writeMgmtFiles(p, {
        // racker's default paths: the unit runs `racker agent` without --config.
        config: renderRackerConfig(spec, undefined, { pinBmcAddresses: pin, flatcar, uefi: state.options.uefi }),
        nodesCsv: await readFile(join(dirs.oemDir, 'nodes.csv'), 'utf8'),
        ipmiUser: await readFile(join(dirs.oemDir, 'ipmi_user'), 'utf8'),
        ipmiPassword: await readFile(join(dirs.oemDir, 'ipmi_password'), 'utf8'),
      });
      await loadConfig({ flag: state.configPath, env: {} });
      const pid1 = await bootNode(exec, p, nspawnArgs(p, spec.mgmtNetns, `racker-sim-${ref.name}`, osDir));
      await writeSystemctlShim(p);
      step = `installing ${payload} into the management node with installer/extract`;
      await installPayload(exec, p, payload);
      step = 'starting racker-agent.service in the management node';
      await startAgentUnit(exec, pid1);
    }
    state.phase = 'ready';
    await writeState(state);
  } catch (e) {
    progress(`create failed while ${step}; removing what was made`);
    await destroyRack(ref, () => undefined).catch((d: unknown) => progress(`cleanup failed too: ${errorMessage(d)}; run racker-sim destroy --name ${ref.name}`));
    if (e instanceof RackerError) throw new RackerError(e.code, `create failed while ${step}: ${e.message}`, { hint: e.hint, cause: e });
    throw new RackerError(ErrorCodes.sim, `create failed while ${step}: ${errorMessage(e)}`, { cause: e });
  }
  const status = await rackStatus({ ref, state, spec });
  if (values.json === true) writeLine(ctx.stdout, JSON.stringify(status, null, 2));
  else {
    writeLine(ctx.stderr, renderStatus(status));
    writeLine(ctx.stdout, state.configPath);
  }
  return 0;
}
