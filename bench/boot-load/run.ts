/**
 * Benchmark: what 1,000 hostile clients that never read (test/lib/hostile-clients.ts: pipelined
 * GETs, trickled GETs, downloads of a 64 MiB asset, half-sent heads, from 100 loopback addresses)
 * make racker's boot service and nginx (Debian nginx-light) hold, side by side.
 *
 *   npm run build && node dist/bench/boot-load/run.js [--connections 1000] [--seconds 15]
 *
 * racker runs as the agent runs it (configuration defaults, one worker process) in this process;
 * the clients run in a child process so they do not count. Resident memory (VmRSS) of the server's
 * processes is sampled every 50 ms: before, the peak while the clients are connected (for
 * --seconds, or until the server has closed them all), and the growth.
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { BootService } from '../../agent/boot/server.js';
import { bootLimits } from '../../agent/boot/create.js';
import { bootSection } from '../../agent/config/sections/boot.js';
import { Emitter } from '../../agent/lib/emitter.js';
import { createLogger } from '../../agent/lib/log.js';
import { makeTempDir, removeTempDir } from '../../test/lib/temp-dir.js';
import { startHostileClients, treeRss } from '../../test/lib/hostile-clients.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const MiB = 1024 * 1024;
const read = (p: string): string => readFileSync(p, 'utf8');
const ownRss = (pid: number): number => Number(/^VmRSS:\s+(\d+) kB/m.exec(read(`/proc/${pid}/status`))?.[1] ?? 0) * 1024;

/** In the child: the hostile clients against one port, until told to stop. */
async function clients(port: number, connections: number): Promise<void> {
  const h = startHostileClients({ port, connections, addresses: 100, pipelinePath: '/ignition?uuid=hostile', downloadPath: '/assets/big.bin', pipelineBytes: MiB });
  await h.settled;
  process.send?.('settled');
  process.on('message', () => {
    h.stop();
    process.exit(0);
  });
}

async function attack(name: string, port: number, rss: () => number, seconds: number, connections: number): Promise<{ before: number; peak: number }> {
  const before = rss();
  let peak = before;
  const sampler = setInterval(() => { peak = Math.max(peak, rss()); }, 50);
  const child = fork(fileURLToPath(import.meta.url), ['--clients', String(port), '--connections', String(connections)], { stdio: 'inherit' });
  await new Promise((resolve) => child.once('message', resolve));
  await new Promise((r) => setTimeout(r, seconds * 1000));
  child.send('stop');
  await new Promise((resolve) => child.once('exit', resolve));
  clearInterval(sampler);
  console.log(`${name}: ${(before / MiB).toFixed(0)} MiB before, peak ${(peak / MiB).toFixed(0)} MiB, growth ${((peak - before) / MiB).toFixed(1)} MiB`);
  return { before, peak };
}

async function main(): Promise<void> {
  const connections = opt('connections', 1000);
  const seconds = opt('seconds', 15);
  const dir = await makeTempDir('racker-bench-load-');
  await chmod(dir, 0o755);
  const data = join(dir, 'matchbox');
  for (const d of ['groups', 'profiles', 'ignition', 'assets']) await mkdir(join(data, d), { recursive: true });
  const ignition = JSON.stringify({ ignition: { version: '3.3.0' }, storage: { files: [{ path: '/etc/motd', contents: { source: `data:,${'racker%20'.repeat(400)}` } }] } });
  await writeFile(join(data, 'groups', 'default.json'), JSON.stringify({ id: 'default', profile: 'node' }));
  await writeFile(join(data, 'profiles', 'node.json'), JSON.stringify({ id: 'node', ignition_id: 'node.ign', boot: { kernel: '/assets/big.bin', initrd: [], args: [] } }));
  await writeFile(join(data, 'ignition', 'node.ign'), ignition);
  await writeFile(join(data, 'assets', 'big.bin'), '');
  await truncate(join(data, 'assets', 'big.bin'), 64 * MiB);
  // nginx serves the same bytes for the same request (its query string ignored).
  await writeFile(join(data, 'assets', 'ignition'), ignition);
  let nginxPid: number | undefined;
  const service = new BootService({
    dataDir: data, assetsDir: join(data, 'assets'), host: '127.0.0.1', port: 0, access: { reserved: undefined }, events: new Emitter(), workers: 1, workerStdio: 'ignore',
    limits: bootLimits(bootSection.parse({})), log: createLogger({ mode: 'daemon', destination: '/dev/null' }),
  });
  try {
    await service.start(new AbortController().signal);
    const racker = await attack('racker (agent process + 1 worker)', service.address().port,
      () => ownRss(process.pid) + service.workerPids().reduce((n, p) => n + ownRss(p), 0), seconds, connections);
    await service.stop();
    const np = 20000 + Math.floor(Math.random() * 20000);
    await writeFile(join(dir, 'nginx.conf'), `daemon off;\nworker_processes auto;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log crit;\nevents { worker_connections 4096; }\n`
      + `http {\n  access_log /dev/null;\n  sendfile on;\n  client_body_temp_path ${dir}/body;\n  proxy_temp_path ${dir}/proxy;\n  default_type text/plain;\n`
      + `  server { listen 127.0.0.1:${np}; root ${join(data, 'assets')}; location = /ignition { try_files /ignition =404; } }\n}\n`);
    const nginx = execa('nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore', reject: false });
    nginxPid = nginx.pid;
    await new Promise((r) => setTimeout(r, 1000));
    const n = await attack('nginx (master + workers)', np, () => treeRss(nginxPid as number, read), seconds, connections);
    console.log(`growth racker / nginx: ${((racker.peak - racker.before) / Math.max(1, n.peak - n.before)).toFixed(1)}`);
  } finally {
    await service.stop().catch(() => undefined);
    if (nginxPid !== undefined) process.kill(nginxPid, 'SIGQUIT');
    await new Promise((r) => setTimeout(r, 500));
    await removeTempDir(dir);
  }
}

const ci = args.indexOf('--clients');
if (ci >= 0) void clients(Number(args[ci + 1]), opt('connections', 1000));
else await main();
