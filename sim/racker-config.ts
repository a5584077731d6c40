/**
 * The racker configuration a simulated rack comes with: every path under the sim's directory, the
 * rack's subnet, cipher suite 3 (ipmi_sim refuses 17 and answers no cipher-suite discovery), and,
 * when the BMCs do not ask for DHCP leases, their pinned addresses. Pure.
 *
 * `paths.sysClassNet` points at a snapshot of the management namespace's interfaces (see
 * sim-files.ts), so read-only commands (`racker factory check --config …`) find the management node
 * from the host too; the agent itself must run inside the management namespace, where those
 * interfaces exist.
 */
import { stringify } from 'yaml';
import type { RackSpec } from './rack-spec.js';

export interface SimDirs {
  root: string;
  oemDir: string;
  etcDir: string;
  stateDir: string;
  runDir: string;
  sysClassNet: string;
  configPath: string;
}

export interface RackerConfigOptions {
  /** Write `bmc.nodes.<mac>.address/port` for every node (BMCs without DHCP). */
  pinBmcAddresses: boolean;
  /** The signed stand-in images as a local Flatcar mirror (VM racks with the stand-in OS). */
  flatcar?: { localDir: string; signingKey: string; version: string };
  /** UEFI firmware (OVMF) instead of SeaBIOS. */
  uefi?: boolean;
}

/** `dirs` undefined: the management node's own configuration (/etc/racker/racker.yaml), with racker's default paths. */
export function renderRackerConfig(spec: RackSpec, dirs: SimDirs | undefined, o: RackerConfigOptions): string {
  const config: Record<string, unknown> = {
    ...(dirs === undefined ? {} : {
      paths: {
        oemDir: dirs.oemDir,
        etcDir: dirs.etcDir,
        stateDir: dirs.stateDir,
        runDir: dirs.runDir,
        sysClassNet: dirs.sysClassNet,
      },
    }),
    network: { subnet: spec.subnet.cidr },
    bmc: {
      cipherSuites: [3],
      // ipmi_sim with a chassis program reports the boot device but not the valid/persistent/EFI bits.
      bootFlagsReadBack: 'device-only',
      ...(o.pinBmcAddresses
        ? { nodes: Object.fromEntries(spec.nodes.map((n) => [n.bmcMac, { address: n.bmcAddress, port: 623 }])) }
        : {}),
    },
    ...(o.flatcar === undefined ? {} : {
      bootstrap: {
        flatcar: { localDir: o.flatcar.localDir, signingKey: o.flatcar.signingKey, version: o.flatcar.version },
        // The VMs' serial console is ttyS0 (logged to console.log and reachable over SOL).
        console: ['console=ttyS0,115200n8'],
        // No installDisk: racker's default rule picks the 20 GiB system disk over the USB stick (sim/hardware.ts).
        bootMode: o.uefi === true ? 'efi' : 'legacy',
        rebootDelaySeconds: 5,
      },
    }),
  };
  const header = `# racker configuration for the simulated rack "${spec.name}", written by racker-sim create.\n` + (dirs === undefined
    ? `# The management node's racker-agent.service reads it; run racker there: racker-sim exec --name ${spec.name} -- racker status\n`
    : `# Run the agent inside the management node's namespace:\n#   ip netns exec ${spec.mgmtNetns} racker agent --config ${dirs.configPath}\n`);
  return header + stringify(config);
}
