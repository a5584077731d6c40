/**
 * Writes a rack's OEM files and a fake /sys/class/net into a temp dir, so inventory code and the CLI
 * can run unprivileged against a rack of any shape.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NODES_CSV_HEADER } from '../../agent/inventory/nodes-csv.js';

export interface FakeRackOptions {
  /** Rows after the header; default: a management node and three others. */
  rows?: string[];
  /** Raw nodes.csv content (overrides rows). */
  nodesCsv?: string | Buffer;
  user?: string | null;
  password?: string | null;
  passwordMode?: number;
  /** Local interfaces: name → { mac, physical }. Default: eth0 (public) and eth1 = mgmt secondary MAC. */
  interfaces?: Record<string, { mac: string; physical?: boolean }>;
  /** Extra configuration YAML (paths are added). */
  configYaml?: string;
  /**
   * For running the real agent on a fake rack: no addresses on the (fake) PXE interface, no
   * dnsmasq, the boot service on 127.0.0.1, and every BMC pinned to a closed port on 127.0.0.1,
   * so nothing is sent beyond loopback.
   */
  isolated?: {
    bootPort: number;
    /** More `boot:` settings, YAML lines indented two spaces. */
    boot?: string;
    /** More `bmc:` settings, YAML lines indented two spaces. */
    bmc?: string;
    /** BMC MAC → a port on 127.0.0.1 where a simulated BMC answers (instead of the closed port 9). */
    bmcPorts?: Record<string, number>;
  };
}

export const MGMT = { primary: '00:11:22:33:44:00', bmc: '00:11:22:33:44:01', secondary: '00:11:22:33:44:30' };
export const DEFAULT_ROWS = [
  `${MGMT.primary}, ${MGMT.bmc}, ${MGMT.secondary}, mgmt, management node`,
  '00:11:22:33:44:10, 00:11:22:33:44:11, 00:11:22:33:44:40, red, controller',
  '00:11:22:33:44:20, 00:11:22:33:44:21, 00:11:22:33:44:50, purple, worker',
  '00:11:22:33:44:60, 00:11:22:33:44:61, 00:11:22:33:44:70, purple, worker',
];

export interface FakeRack {
  root: string;
  oemDir: string;
  etcDir: string;
  stateDir: string;
  runDir: string;
  sysClassNet: string;
  configPath: string;
  env: Record<string, string>;
}

export async function writeFakeRack(root: string, o: FakeRackOptions = {}): Promise<FakeRack> {
  const rack: FakeRack = {
    root,
    oemDir: join(root, 'oem'),
    etcDir: join(root, 'etc'),
    stateDir: join(root, 'state'),
    runDir: join(root, 'run'),
    sysClassNet: join(root, 'sys-class-net'),
    configPath: join(root, 'etc', 'racker.yaml'),
    env: {},
  };
  for (const d of [rack.oemDir, rack.etcDir, rack.stateDir, rack.runDir, rack.sysClassNet]) await mkdir(d, { recursive: true });
  const csv = o.nodesCsv ?? `${NODES_CSV_HEADER}\n${(o.rows ?? DEFAULT_ROWS).join('\n')}\n`;
  await writeFile(join(rack.oemDir, 'nodes.csv'), csv);
  if (o.user !== null) await writeFile(join(rack.oemDir, 'ipmi_user'), `${o.user ?? 'admin'}\n`, { mode: 0o600 });
  if (o.password !== null) await writeFile(join(rack.oemDir, 'ipmi_password'), `${o.password ?? 's3cret-Pa55'}\n`, { mode: o.passwordMode ?? 0o600 });
  const ifaces = o.interfaces ?? { eth0: { mac: '52:54:00:aa:bb:cc', physical: true }, eth1: { mac: MGMT.secondary, physical: true } };
  for (const [name, { mac, physical }] of Object.entries(ifaces)) {
    await mkdir(join(rack.sysClassNet, name), { recursive: true });
    await writeFile(join(rack.sysClassNet, name, 'address'), `${mac}\n`);
    if (physical !== false) await mkdir(join(rack.sysClassNet, name, 'device'), { recursive: true });
  }
  const paths = `paths:\n  oemDir: ${rack.oemDir}\n  etcDir: ${rack.etcDir}\n  stateDir: ${rack.stateDir}\n  runDir: ${rack.runDir}\n  sysClassNet: ${rack.sysClassNet}\n`;
  const rows = (o.rows ?? DEFAULT_ROWS).map((r) => r.split(',').map((f) => f.trim()));
  const isolation = o.isolated === undefined ? '' : [
    'network:\n  configureInterface: false',
    'dhcp:\n  enabled: false',
    `boot:\n  listenAddress: 127.0.0.1\n  port: ${o.isolated.bootPort}${o.isolated.boot === undefined ? '' : `\n${o.isolated.boot}`}`,
    `bmc:\n${o.isolated.bmc === undefined ? '' : `${o.isolated.bmc}\n`}  nodes:\n${rows.map((f) => `    "${f[1] ?? ''}": { address: 127.0.0.1, port: ${o.isolated?.bmcPorts?.[f[1] ?? ''] ?? 9} }`).join('\n')}`,
  ].join('\n') + '\n';
  await writeFile(rack.configPath, `${paths}${isolation}${o.configYaml ?? ''}`);
  rack.env = { RACKER_CONFIG: rack.configPath };
  return rack;
}
