/**
 * Benchmark: racker's boot service vs nginx (Debian nginx-light) on loopback, in one run.
 *
 *   npm run build && node dist/bench/boot-http/run.js [--duration 8] [--rounds 3] [--asset-mib 512] [--workers 1]
 *
 * Data: 1,000 groups in matchbox's layout (500 nodes × two stages: install `{mac}` → Butane
 * template, installed `{mac, os: installed}` → raw .ign). Request rate with wrk (1 thread, 32
 * connections, every request a different node's MAC via a Lua script) for /ipxe and /ignition,
 * against nginx serving a static file of the same body with the same query strings. Asset
 * throughput: 8 concurrent curl downloads of one 512 MiB file from each server. Rounds alternate
 * between the servers and the median is reported, because this machine is shared.
 * Both servers log every request to /dev/null. nginx gets a generated config in a temp dir and a
 * loopback port, and is stopped by its PID.
 */
import { chmod, mkdir, open, readdir, readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { execa } from 'execa';
import { BootService } from '../../agent/boot/server.js';
import { bootLimits } from '../../agent/boot/create.js';
import { bootSection } from '../../agent/config/sections/boot.js';
import { Emitter } from '../../agent/lib/emitter.js';
import { createLogger } from '../../agent/lib/log.js';
import { exec } from '../../agent/lib/exec.js';
import { makeTempDir, removeTempDir } from '../../test/lib/temp-dir.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const DURATION = opt('duration', 8);
const ROUNDS = opt('rounds', 3);
const ASSET_MIB = opt('asset-mib', 512);
/** Boot worker processes besides the service's own (boot.workers; the agent's default is 1). */
const WORKERS = opt('workers', 1);
const NODES = 500;

const mac = (n: number) => `52:54:00:00:${((n >> 8) & 255).toString(16).padStart(2, '0')}:${(n & 255).toString(16).padStart(2, '0')}`;

async function writeData(dataDir: string): Promise<void> {
  for (const d of ['groups', 'profiles', 'ignition', 'generic', 'assets']) await mkdir(join(dataDir, d), { recursive: true });
  for (let n = 0; n < NODES; n++) {
    const m = mac(n);
    const metadata = { hostname: `node-${n}`, ssh_authorized_keys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBench bench@racker'] };
    await writeFile(join(dataDir, 'groups', `node-${n}.json`), JSON.stringify({ id: `node-${n}`, profile: 'install', selector: { mac: m }, metadata }));
    await writeFile(join(dataDir, 'groups', `node-${n}-installed.json`), JSON.stringify({ id: `node-${n}-installed`, profile: 'installed', selector: { mac: m, os: 'installed' }, metadata }));
  }
  const boot = {
    kernel: '/assets/flatcar/current/flatcar_production_pxe.vmlinuz',
    initrd: ['/assets/flatcar/current/flatcar_production_pxe_image.cpio.gz'],
    args: ['initrd=flatcar_production_pxe_image.cpio.gz', 'flatcar.config.url=http://10.0.0.1:8080/ignition?uuid=${uuid}&mac=${mac:hexhyp}', 'flatcar.first_boot=yes'],
  };
  await writeFile(join(dataDir, 'profiles', 'install.json'), JSON.stringify({ id: 'install', boot, ignition_id: 'install.yaml' }));
  await writeFile(join(dataDir, 'profiles', 'installed.json'), JSON.stringify({ id: 'installed', boot, ignition_id: 'installed.ign' }));
  await writeFile(join(dataDir, 'ignition', 'install.yaml'), [
    'variant: flatcar', 'version: 1.1.0', 'storage:', '  files:', '    - path: /etc/hostname', '      contents:', '        inline: {{.hostname}}',
    'systemd:', '  units:', '    - name: installer.service', '      enabled: true', '      contents: |',
    '        [Service]', '        ExecStart=/usr/bin/flatcar-install -d /dev/sda -i /tmp/ignition.json', '        [Install]', '        WantedBy=multi-user.target',
    'passwd:', '  users:', '    - name: core', '      ssh_authorized_keys:', '{{- range .ssh_authorized_keys }}', '        - {{.}}', '{{- end }}', '',
  ].join('\n'));
  await writeFile(join(dataDir, 'ignition', 'installed.ign'), JSON.stringify({
    ignition: { version: '3.3.0' },
    passwd: { users: [{ name: 'core', sshAuthorizedKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBench bench@racker'] }] },
    systemd: { units: [{ name: 'racker-phone-home.service', enabled: true, contents: '[Service]\nType=oneshot\nExecStart=/usr/bin/true\n[Install]\nWantedBy=multi-user.target\n' }] },
  }));
}

async function writeAsset(file: string, mib: number): Promise<void> {
  const chunk = randomBytes(1024 * 1024);
  const fh = await open(file, 'w');
  try {
    for (let i = 0; i < mib; i++) await fh.write(chunk);
  } finally {
    await fh.close();
  }
}

function nginxConf(dir: string, root: string, port: number): string {
  return `daemon off;
worker_processes auto;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log /dev/null;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  default_type text/plain;
  server { listen 127.0.0.1:${port}; root ${root}; }
}
`;
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port }, () => { s.end(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port}`);
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0));
    });
  });
}

/** Requests per second with wrk over a list of paths (one Lua script for both servers). */
async function wrk(dir: string, name: string, port: number, paths: string[]): Promise<{ rate: number; units: number }> {
  const script = join(dir, `${name}.lua`);
  await writeFile(script, `local paths = {\n${paths.map((p) => `  "${p}",`).join('\n')}\n}\nlocal i = 0\n`
    + 'request = function()\n  i = i + 1\n  if i > #paths then i = 1 end\n  return wrk.format(nil, paths[i])\nend\n');
  const { stdout } = await exec('wrk', ['-t1', '-c32', `-d${DURATION}s`, '-s', script, `http://127.0.0.1:${port}`], { timeoutMs: (DURATION + 30) * 1000 });
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(stdout);
  if (non2xx !== null) throw new Error(`${name}: ${non2xx[1]} responses were not 2xx:\n${stdout}`);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
  const count = /(\d+) requests in/.exec(stdout);
  if (rps?.[1] === undefined || count?.[1] === undefined) throw new Error(`${name}: cannot read wrk output:\n${stdout}`);
  return { rate: Number(rps[1]), units: Number(count[1]) };
}

/** MiB/s for `clients` concurrent full downloads. */
async function download(port: number, path: string, clients: number, bytes: number): Promise<{ rate: number; units: number }> {
  const started = process.hrtime.bigint();
  const results = await Promise.all(Array.from({ length: clients }, () =>
    exec('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code} %{size_download}', `http://127.0.0.1:${port}${path}`], { timeoutMs: 600_000 })));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  for (const r of results) if (r.stdout !== `200 ${bytes}`) throw new Error(`download ${path}: ${r.stdout}`);
  const mib = (clients * bytes) / (1024 * 1024);
  return { rate: mib / seconds, units: mib };
}

/**
 * CPU seconds (user + system) a set of processes has used so far, from /proc/<pid>/stat. Why: on
 * this shared 2-core machine a server's request rate moves with whatever else runs (nginx's own
 * rate has ranged from 42,000 to 120,000 req/s between sessions), while the CPU time it spends per
 * request barely does, so the bench reports both and the CPU ratio is the steadier figure.
 */
async function cpuSeconds(pids: number[]): Promise<number> {
  let ticks = 0;
  for (const pid of pids) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3; utime is 14, stime 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(rest[11]) + Number(rest[12]);
  }
  return ticks / CLOCK_TICKS;
}
/** USER_HZ: 100 on every Linux architecture racker ships for (getconf CLK_TCK). */
const CLOCK_TICKS = 100;

/** A process and its direct children (the boot service's workers; nginx's master and workers). */
async function processTree(root: number): Promise<number[]> {
  const pids = [root];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === root) pids.push(Number(name));
  }
  return pids;
}

/** Runs one load and returns its rate plus the servers' CPU time per unit (µs per request or per MiB). */
async function measured(pids: number[], load: () => Promise<{ rate: number; units: number }>): Promise<{ rate: number; cpuPerUnit: number }> {
  const before = await cpuSeconds(pids);
  const { rate, units } = await load();
  return { rate, cpuPerUnit: ((await cpuSeconds(pids)) - before) * 1e6 / units };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function main(): Promise<void> {
  const dir = await makeTempDir('racker-bench-');
  const dataDir = join(dir, 'matchbox');
  // nginx workers run as an unprivileged user when started by root: they must be able to read the files.
  await chmod(dir, 0o755);
  let nginxPid: number | undefined;
  let service: BootService | undefined;
  try {
    await writeData(dataDir);
    const assets = join(dataDir, 'assets');
    await writeAsset(join(assets, 'image.bin'), ASSET_MIB);
    service = new BootService({
      dataDir, assetsDir: assets, host: '127.0.0.1', port: 0, access: { reserved: undefined }, events: new Emitter(), workers: WORKERS, workerStdio: 'ignore',
      // wrk's 32 connections all come from 127.0.0.1; a boot client holds one or two (default 16 per address).
      limits: { ...bootLimits(bootSection.parse({})), maxConnectionsPerClient: 64 },
      log: createLogger({ mode: 'daemon', destination: '/dev/null' }), // the daemon's destination, writing to /dev/null
    });
    await service.start(new AbortController().signal);
    const rp = service.address().port;
    if (service.store.current.groups.size !== 2 * NODES) throw new Error(`expected ${2 * NODES} groups, loaded ${service.store.current.groups.size}`);

    // nginx serves the very bodies racker renders, as static files next to the asset.
    const sample = mac(0);
    const body = async (p: string) => (await fetch(`http://127.0.0.1:${rp}${p}`)).text();
    await writeFile(join(assets, 'static-ipxe'), await body(`/ipxe?mac=${sample}`));
    await writeFile(join(assets, 'static-ignition'), await body(`/ignition?mac=${sample}&os=installed`));
    await writeFile(join(assets, 'static-butane'), await body(`/ignition?mac=${sample}`));
    const np = await freePort();
    await writeFile(join(dir, 'nginx.conf'), nginxConf(dir, assets, np));
    const nginx = execa('nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore', reject: false });
    nginxPid = nginx.pid;
    await waitForPort(np);

    const macs = Array.from({ length: NODES }, (_, n) => mac(n));
    const rackerPids = await processTree(process.pid);
    const nginxPids = await processTree(nginxPid ?? 0);
    type Side = { rate: number[]; cpu: number[] };
    const rows: { name: string; racker: Side; nginx: Side; unit: string; per: string }[] = [
      { name: '/ipxe (selection, 1,000 groups)', unit: 'req/s', per: 'µs/req' },
      { name: '/ignition raw .ign (selection)', unit: 'req/s', per: 'µs/req' },
      { name: '/ignition Butane template (render + translate per request)', unit: 'req/s', per: 'µs/req' },
      { name: `asset ${ASSET_MIB} MiB × 8 concurrent clients`, unit: 'MiB/s', per: 'µs/MiB' },
    ].map((r) => ({ ...r, racker: { rate: [], cpu: [] }, nginx: { rate: [], cpu: [] } }));
    const [ipxe, ign, butane, asset] = rows as [typeof rows[0], typeof rows[0], typeof rows[0], typeof rows[0]];
    const record = async (side: Side, pids: number[], load: () => Promise<{ rate: number; units: number }>) => {
      const m = await measured(pids, load);
      side.rate.push(m.rate);
      side.cpu.push(m.cpuPerUnit);
    };
    for (let round = 0; round < ROUNDS; round++) {
      process.stderr.write(`round ${round + 1}/${ROUNDS}\n`);
      await record(ipxe.racker, rackerPids, () => wrk(dir, 'r-ipxe', rp, macs.map((m) => `/ipxe?mac=${m}`)));
      await record(ipxe.nginx, nginxPids, () => wrk(dir, 'n-ipxe', np, macs.map((m) => `/static-ipxe?mac=${m}`)));
      await record(ign.racker, rackerPids, () => wrk(dir, 'r-ign', rp, macs.map((m) => `/ignition?mac=${m}&os=installed`)));
      await record(ign.nginx, nginxPids, () => wrk(dir, 'n-ign', np, macs.map((m) => `/static-ignition?mac=${m}&os=installed`)));
      await record(butane.racker, rackerPids, () => wrk(dir, 'r-butane', rp, macs.map((m) => `/ignition?mac=${m}`)));
      await record(butane.nginx, nginxPids, () => wrk(dir, 'n-butane', np, macs.map((m) => `/static-butane?mac=${m}`)));
      await record(asset.racker, rackerPids, () => download(rp, '/assets/image.bin', 8, ASSET_MIB * 1024 * 1024));
      await record(asset.nginx, nginxPids, () => download(np, '/image.bin', 8, ASSET_MIB * 1024 * 1024));
    }
    const cpu = (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');
    // Rate ratio: racker / nginx (higher is better). CPU ratio: nginx's CPU per unit / racker's,
    // the rate racker would reach relative to nginx if both were CPU-bound on an idle machine.
    const lines = ['| test | racker | nginx | racker / nginx | racker CPU | nginx CPU | CPU ratio |', '|---|---:|---:|---:|---:|---:|---:|'];
    for (const r of rows) {
      const a = median(r.racker.rate);
      const b = median(r.nginx.rate);
      const ca = median(r.racker.cpu);
      const cb = median(r.nginx.cpu);
      lines.push(`| ${r.name} | ${a.toFixed(0)} ${r.unit} | ${b.toFixed(0)} ${r.unit} | ${(a / b).toFixed(2)} | ${ca.toFixed(1)} ${r.per} | ${cb.toFixed(1)} ${r.per} | ${(cb / ca).toFixed(2)} |`);
    }
    process.stdout.write(`${lines.join('\n')}\n\nboot workers: ${WORKERS}; median of ${ROUNDS} alternating rounds, wrk ${DURATION}s -t1 -c32; load average at the end: ${cpu}\n`);
    process.stdout.write(`raw: ${JSON.stringify(rows.map((r) => ({ name: r.name, racker: r.racker.rate.map(Math.round), nginx: r.nginx.rate.map(Math.round), rackerCpu: r.racker.cpu.map(Math.round), nginxCpu: r.nginx.cpu.map(Math.round) })))}\n`);
  } finally {
    if (nginxPid !== undefined) process.kill(nginxPid, 'SIGQUIT');
    await service?.stop();
    await removeTempDir(dir);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exitCode = 1;
});
