/**
 * BMC fan-out benchmark: N simulated BMCs (one ipmi_sim each on 127.0.0.1), two workloads
 * (power status of all; PXE persistent EFI + power cycle of all), four ways side by side, timed
 * by hyperfine (wall, and user + system CPU of the whole process tree):
 *   native          racker's client, one process
 *   ipmitool-serial one ipmitool process per call, one BMC after another (the original)
 *   ipmitool-par    the same calls, every BMC at once
 *   freeipmi        ipmipower (+ ipmi-chassis-config for boot flags), all hosts in one process
 *
 * Usage: node dist/bench/bmc-fanout/run.js [N …] [--runs R]   (default 16 64, 3 runs; root not needed)
 * Prints a markdown table of ratios; bench/README.md holds a copy of the last results.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { IpmiSim, SIM_PASSWORD, SIM_USER, freeUdpPort, stopAllSims } from '../../test/lib/ipmi-sim.js';
import { makeTempDir, removeTempDir } from '../../test/lib/temp-dir.js';
import { repoRoot } from '../../test/lib/paths.js';
import { runWorkload } from './workload.js';

const run = promisify(execFile);
const here = join(repoRoot, 'bench', 'bmc-fanout');

interface Timing { wall: number; cpu: number }

async function hyperfine(commands: Record<string, string>, runs: number, out: string): Promise<Record<string, Timing>> {
  const names = Object.keys(commands);
  const args = ['-N', '--runs', String(runs), '--export-json', out, '--style', 'none'];
  for (const name of names) args.push('-n', name, commands[name] as string);
  await run('hyperfine', args, { env: { ...process.env, IPMI_USER: SIM_USER, IPMI_PASSWORD: SIM_PASSWORD }, maxBuffer: 1 << 24, timeout: 3_600_000 });
  const json = JSON.parse(await readFile(out, 'utf8')) as { results: Array<{ command: string; mean: number; user: number; system: number }> };
  return Object.fromEntries(json.results.map((r) => [r.command, { wall: r.mean, cpu: r.user + r.system }]));
}

async function bench(n: number, runs: number, dir: string): Promise<string[]> {
  const sims: IpmiSim[] = [];
  const lines: string[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const d = join(dir, `n${n}-bmc-${i}`);
      await mkdir(d);
      sims.push(await IpmiSim.start({ dir: d, lans: [{ address: '127.0.0.1', port: await freeUdpPort() }], logMessages: false }));
    }
    const hosts = join(dir, `hosts-${n}`);
    await writeFile(hosts, sims.map((s) => `127.0.0.1 ${s.port}`).join('\n') + '\n');
    const conf = join(dir, 'freeipmi.conf');
    await writeFile(conf, `driver-type LAN_2_0\nusername ${SIM_USER}\npassword ${SIM_PASSWORD}\ncipher-suite-id 3\nprivilege-level ADMIN\nworkaround-flags opensesspriv\n`, { mode: 0o600 });
    for (const workload of ['status', 'pxe-cycle']) {
      const t = await hyperfine({
        native: `${process.execPath} ${join(repoRoot, 'dist', 'bench', 'bmc-fanout', 'native.js')} ${hosts} ${workload}`,
        'ipmitool-serial': `bash ${join(here, 'ipmitool.sh')} serial ${hosts} ${workload}`,
        'ipmitool-par': `bash ${join(here, 'ipmitool.sh')} parallel ${hosts} ${workload}`,
        freeipmi: `bash ${join(here, 'freeipmi.sh')} ${conf} ${hosts} ${workload}`,
      }, runs, join(dir, `hf-${n}-${workload}.json`));
      // Warm: the same work inside this already running process, as the agent does it.
      let wall = 0;
      let cpu = 0;
      for (let r = 0; r < runs; r++) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        if (await runWorkload(sims.map((s) => ({ address: '127.0.0.1', port: s.port })), workload, SIM_USER, SIM_PASSWORD) > 0) throw new Error('warm native run failed');
        wall += (performance.now() - t0) / 1000;
        const c1 = process.cpuUsage(c0);
        cpu += (c1.user + c1.system) / 1e6;
      }
      t['native (in agent)'] = { wall: wall / runs, cpu: cpu / runs };
      const nat = t.native as Timing;
      for (const [name, v] of Object.entries(t)) {
        lines.push(`| ${n} | ${workload} | ${name} | ${(v.wall * 1000).toFixed(0)} | ${(v.wall / nat.wall).toFixed(1)}× | ${(v.cpu / n * 1000).toFixed(1)} | ${(v.cpu / nat.cpu).toFixed(1)}× |`);
      }
    }
    // Sanity: the last workload left every simulated BMC on, with PXE as boot device.
    const states = await Promise.all(sims.map((s) => s.chassis()));
    const wrong = states.filter((s) => s.boot !== 'pxe').length;
    if (wrong > 0) lines.push(`| ${n} | check | ${wrong} BMCs did not end with boot device pxe | | | | |`);
  } finally {
    await Promise.all(sims.map((s) => s.stop()));
  }
  return lines;
}

const argv = process.argv.slice(2);
const runsAt = argv.indexOf('--runs');
const runs = runsAt === -1 ? 3 : Number(argv[runsAt + 1]);
const sizes = argv.filter((a, i) => /^\d+$/.test(a) && i !== runsAt + 1).map(Number);
const dir = await makeTempDir('racker-bench-bmc-');
try {
  process.stdout.write('| N | workload | tool | wall ms | wall vs native | CPU ms per BMC | CPU vs native |\n|---|---|---|---|---|---|---|\n');
  // The machine is shared: the 1-minute load average before and after each size goes with the figures.
  const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');
  for (const n of sizes.length > 0 ? sizes : [16, 64]) {
    const before = load();
    const lines = await bench(n, runs, dir);
    process.stdout.write(`${lines.join('\n')}\n`);
    process.stderr.write(`N = ${n}: load average ${before} before, ${load()} after\n`);
  }
} finally {
  await stopAllSims();
  await removeTempDir(dir);
}
