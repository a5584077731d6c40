/**
 * Where racker reads and writes. Every path has a default, can be set by environment variable, and
 * can be set in the configuration file (which wins). Tests and the simulator use this to run
 * against temporary directories; nothing hard-codes a system path elsewhere.
 */
import { join } from 'node:path';

export const PATH_ENV = {
  oemDir: 'RACKER_OEM_DIR',
  etcDir: 'RACKER_ETC_DIR',
  stateDir: 'RACKER_STATE_DIR',
  runDir: 'RACKER_RUN_DIR',
  sysClassNet: 'RACKER_SYS_CLASS_NET',
} as const;

export const PATH_DEFAULTS = {
  oemDir: '/usr/share/oem',
  etcDir: '/etc/racker',
  stateDir: '/var/lib/racker',
  runDir: '/run/racker',
  sysClassNet: '/sys/class/net',
} as const;

export type PathKey = keyof typeof PATH_DEFAULTS;
export type Env = Readonly<Record<string, string | undefined>>;

/** The default for each path after the environment has had its say. */
export function envPathDefaults(env: Env): Record<PathKey, string> {
  const out = {} as Record<PathKey, string>;
  for (const key of Object.keys(PATH_DEFAULTS) as PathKey[]) {
    const v = env[PATH_ENV[key]];
    out[key] = v !== undefined && v !== '' ? v : PATH_DEFAULTS[key];
  }
  return out;
}

/** The configuration file to read: --config, then RACKER_CONFIG, then racker.yaml in the etc dir. */
export function configFilePath(flag: string | undefined, env: Env): { path: string; explicit: boolean } {
  if (flag !== undefined && flag !== '') return { path: flag, explicit: true };
  const fromEnv = env.RACKER_CONFIG;
  if (fromEnv !== undefined && fromEnv !== '') return { path: fromEnv, explicit: true };
  return { path: etcFiles(envPathDefaults(env).etcDir).config, explicit: false };
}

/** The payload's checksum list at the root of an installed version (installer/manifest.ts writes and checks it). */
export const MANIFEST_FILE = 'MANIFEST';

/** Files derived from the directories, named once here. */
export function oemFiles(oemDir: string): { nodesCsv: string; ipmiUser: string; ipmiPassword: string } {
  return {
    nodesCsv: join(oemDir, 'nodes.csv'),
    ipmiUser: join(oemDir, 'ipmi_user'),
    ipmiPassword: join(oemDir, 'ipmi_password'),
  };
}

/**
 * The state directory's layout. Every file or folder racker keeps there is named here and nowhere
 * else, so the agent, the factory (live check, reset), the simulator and the docs tests agree.
 */
export function stateFiles(stateDir: string) {
  const dhcp = join(stateDir, 'dhcp');
  return {
    /** The agent's node records (StateStore). */
    stateDoc: join(stateDir, 'state.json'),
    /** One file per bootstrap job (`<id>.json`), read back on resume. */
    jobsDir: join(stateDir, 'jobs'),
    /** Internal addresses kept per MAC, so nobody is renumbered. */
    addressPlan: join(stateDir, 'address-plan.json'),
    /** Per-node phone-home tokens (0600). */
    phoneHomeTokens: join(stateDir, 'phone-home-tokens.json'),
    /** dnsmasq's files; dnsmasq reads them as nobody, so the folder must be searchable by others. */
    dhcpDir: dhcp,
    dhcp: { conf: join(dhcp, 'dnsmasq.conf'), reservations: join(dhcp, 'reservations'), dnsHosts: join(dhcp, 'hosts'), leases: join(dhcp, 'dnsmasq.leases') },
    /** The boot service's data when boot.dataDir is not set (see bootDataDirs). */
    defaultBootData: join(stateDir, 'matchbox'),
    /** Flatcar images and the Kubernetes system extension being downloaded, before they are verified and moved into the assets. */
    downloads: join(stateDir, 'downloads'),
    /** The racker version this rack was last set up with (factory/version-marker.ts). */
    versionMarker: join(stateDir, 'racker-version'),
    /**
     * Kubernetes: one folder per cluster (0700) with its secrets (CA and admin keys) and admin
     * kubeconfig (0600). Under the state directory: the agent's unit (ProtectSystem=strict) makes
     * /etc read-only to it.
     */
    kubernetesDir: join(stateDir, 'kubernetes'),
    cluster: (clusterName: string) => join(stateDir, 'kubernetes', clusterName),
    kubeconfig: (clusterName: string) => join(stateDir, 'kubernetes', clusterName, 'kubeconfig'),
    /** The last job's join token and certificate key (0600), with when the cluster forgets them: a resumed job keeps its own. */
    joinCredentials: (clusterName: string) => join(stateDir, 'kubernetes', clusterName, 'join.json'),
  };
}

export type StateFiles = ReturnType<typeof stateFiles>;

/** The event log (in the state directory): its current file (index 0) and rotated predecessors (1 = the newest). */
export function eventLogFile(dir: string, index = 0): string {
  return join(dir, index === 0 ? 'events.ndjson' : `events.${index}.ndjson`);
}

/** Names of the event log's files in its folder (current and rotated). */
export const EVENT_LOG_NAME = /^events(\.\d+)?\.ndjson$/;

/** The boot service's folders: matchbox's on-disk layout under dataDir, and the served assets. */
export interface BootDataDirs {
  dataDir: string;
  /** undefined: /assets/ is off. */
  assetsDir: string | undefined;
}

/** The folders of matchbox's data layout that hold per-node boot data (assets are separate). */
export const BOOT_DATA_FOLDERS = ['groups', 'profiles', 'ignition', 'generic'] as const;

export function bootDataDirs(paths: { stateDir: string }, boot: { dataDir?: string; assetsDir?: string }): BootDataDirs {
  const dataDir = boot.dataDir ?? stateFiles(paths.stateDir).defaultBootData;
  const a = boot.assetsDir;
  return { dataDir, assetsDir: a === '' ? undefined : a ?? join(dataDir, 'assets') };
}

/** What racker keeps in the boot service's assets folder (served at /assets/, matchbox's layout). */
export function assetFiles(assetsDir: string) {
  return {
    /** Flatcar's Kubernetes system extension of a version, once its sha256 matched (bootstrap/kubernetes/sysext.ts). */
    kubernetesSysextDir: (version: string) => join(assetsDir, 'kubernetes', version),
  };
}

/** The configuration directory's layout (besides racker.yaml, see configFilePath). */
export function etcFiles(etcDir: string) {
  return {
    config: join(etcDir, 'racker.yaml'),
    /** `racker bootstrap`'s saved answers. */
    answers: join(etcDir, 'bootstrap.yaml'),
    /** The operator's Butane snippets. */
    snippetsDir: join(etcDir, 'snippets'),
    /** The rack's SSH key pair (`racker factory gen-ssh-key`). */
    sshDir: join(etcDir, 'ssh'),
    sshPrivateKey: join(etcDir, 'ssh', 'id_ed25519'),
    sshPublicKey: join(etcDir, 'ssh', 'id_ed25519.pub'),
    /** Kubernetes, where earlier versions kept them (now stateFiles' cluster folders): cluster secrets, taken over from here. */
    pkiDir: join(etcDir, 'pki'),
    clusterPki: (clusterName: string) => join(etcDir, 'pki', clusterName),
    /** Kubernetes, where earlier versions wrote it: the admin kubeconfig of each cluster (0600). */
    kubeconfig: (clusterName: string) => join(etcDir, `kubeconfig-${clusterName}`),
  };
}

export type EtcFiles = ReturnType<typeof etcFiles>;

/** Names of the admin kubeconfigs in the configuration directory. */
export const KUBECONFIG_NAME = /^kubeconfig-[^/]+$/;

/**
 * Who an entry of the layout belongs to: `rack` is what racker learned or made for the rack it set
 * up (node state, boot data, tokens, leases, reservations, PKI, kubeconfig, answers), which the
 * hand-over reset removes; `machine` is this machine's racker (configuration, snippets, the rack SSH
 * key, downloaded OS images, the version marker), which stays.
 */
export interface LayoutEntry {
  /** A file or folder; with `names`, the folder holding a family of files named so. */
  path: string;
  names?: RegExp;
  what: string;
  belongsTo: 'rack' | 'machine';
}

/** Every entry of the state and configuration layout, with what it is and whom it belongs to. */
export function layoutEntries(paths: { stateDir: string; etcDir: string }, boot: { dataDir?: string; assetsDir?: string }): LayoutEntry[] {
  const s = stateFiles(paths.stateDir);
  const e = etcFiles(paths.etcDir);
  const b = bootDataDirs(paths, boot);
  const rack = (path: string, what: string, names?: RegExp): LayoutEntry => ({ path, what, belongsTo: 'rack', ...(names === undefined ? {} : { names }) });
  const machine = (path: string, what: string): LayoutEntry => ({ path, what, belongsTo: 'machine' });
  return [
    rack(s.stateDoc, 'node state (phases, history, last errors)'),
    rack(paths.stateDir, 'the event log', EVENT_LOG_NAME),
    rack(s.jobsDir, 'bootstrap job records'),
    rack(s.addressPlan, 'the address plan (internal addresses kept per MAC)'),
    rack(s.phoneHomeTokens, 'per-node phone-home tokens'),
    rack(s.dhcpDir, 'DHCP reservations, leases and the dnsmasq configuration'),
    ...BOOT_DATA_FOLDERS.map((f) => rack(join(b.dataDir, f), `boot data: ${f} (per-node Ignition carries tokens and join secrets)`)),
    rack(e.answers, 'the saved bootstrap answers'),
    rack(s.kubernetesDir, 'Kubernetes cluster secrets (CA and admin keys) and admin kubeconfigs'),
    rack(e.pkiDir, 'Kubernetes cluster secrets kept by earlier racker versions'),
    rack(paths.etcDir, 'Kubernetes admin kubeconfigs written by earlier racker versions', KUBECONFIG_NAME),
    machine(e.config, 'the racker configuration'),
    machine(e.snippetsDir, 'your Butane snippets'),
    machine(e.sshDir, 'the rack SSH key (racker factory gen-ssh-key)'),
    ...(b.assetsDir === undefined ? [] : [machine(b.assetsDir, 'downloaded Flatcar images and Kubernetes system extensions')]),
    machine(s.downloads, 'Flatcar images and Kubernetes system extensions being downloaded'),
    machine(s.versionMarker, 'the racker version marker (--racker-version removes it)'),
  ];
}
