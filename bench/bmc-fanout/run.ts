/**
 * BMC fan-out benchmark: N simulated BMCs (one ipmi_sim each on 127.0.0.1), two workloads
 * (power status of all; PXE persistent EFI + power cycle of all), four ways side by side, timed
 * by hyperfine (wall, and user + system CPU of the whole process tree):
 *   native          racker's client, one process
 *   ipmitool-serial one ipmitool process per call, one BMC after another (the original)
 *   ipmitool-par    the same calls, every BMC at once
 *   freeipmi        ipmipower (+ ipmi-chassis-config for boot flags), all hosts in one process
 *
 * plus racker's client inside this running process ("in agent": new sessions every run, like
 * ipmipower), each of its runs followed by one FreeIPMI run timed the same way ("freeipmi
 * (alternated)"), and the agent's own way ("in agent, sessions kept": clients and sessions open
 * between runs): wall time, median of the runs.
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
import { Fleet, runWorkload } from './workload.js';

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

/** Start n simulated BMCs, each with its own LAN endpoint on 127.0.0.1. */
async function startSims(n: number, dir: string): Promise<IpmiSim[]> {
  const sims: IpmiSim[] = [];
  for (let i = 0; i < n; i++) {
    const d = join(dir, `bmc-${i}`);
    await mkdir(d, { recursive: true });
    sims.push(await IpmiSim.start({ dir: d, lans: [{ address: '127.0.0.1', port: await freeUdpPort() }], logMessages: false }));
  }
  return sims;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;

/**
 * `runs` timed calls of `fn` (it returns how many BMCs failed) inside this process: median wall
 * and mean CPU, in seconds. `after` runs after each call, outside the timing.
 */
async function timeHere(runs: number, what: string, fn: () => Promise<number>, after?: () => Promise<void>): Promise<Timing> {
  const walls: number[] = [];
  let cpu = 0;
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    if (await fn() > 0) throw new Error(`${what} failed`);
    walls.push((performance.now() - t0) / 1000);
    const c1 = process.cpuUsage(c0);
    cpu += (c1.user + c1.system) / 1e6;
    await after?.();
  }
  return { wall: median(walls), cpu: cpu / runs };
}

/**
 * One workload at one size, on simulators of its own: ipmi_sim keeps every session FreeIPMI opens
 * (it stops answering new ones after about 15 ipmipower runs), so each workload starts afresh.
 */
async function benchWorkload(n: number, workload: string, runs: number, dir: string): Promise<string[]> {
  const sims = await startSims(n, join(dir, `${workload}-${n}`));
  try {
    const hosts = join(dir, `hosts-${workload}-${n}`);
    await writeFile(hosts, sims.map((s) => `127.0.0.1 ${s.port}`).join('\n') + '\n');
    const conf = join(dir, 'freeipmi.conf');
    await writeFile(conf, `driver-type LAN_2_0\nusername ${SIM_USER}\npassword ${SIM_PASSWORD}\ncipher-suite-id 3\nprivilege-level ADMIN\nworkaround-flags opensesspriv\n`, { mode: 0o600 });
    const freeipmi = `bash ${join(here, 'freeipmi.sh')} ${conf} ${hosts} ${workload}`;
    const t = await hyperfine({
      native: `${process.execPath} ${join(repoRoot, 'dist', 'bench', 'bmc-fanout', 'native.js')} ${hosts} ${workload}`,
      'ipmitool-serial': `bash ${join(here, 'ipmitool.sh')} serial ${hosts} ${workload}`,
      'ipmitool-par': `bash ${join(here, 'ipmitool.sh')} parallel ${hosts} ${workload}`,
      freeipmi,
    }, runs, join(dir, `hf-${n}-${workload}.json`));
    // In the agent: the same work inside this already running process. The agent has done it
    // before (its code is compiled by then), so one untimed round first. Each timed round is
    // followed by one FreeIPMI run, timed here too: alternating keeps a drift in the machine's
    // load out of the comparison with ipmipower.
    const endpoints = sims.map((s) => ({ address: '127.0.0.1', port: s.port }));
    if (await runWorkload(endpoints, workload, SIM_USER, SIM_PASSWORD) > 0) throw new Error('warm-up native run failed');
    const freeipmiWalls: number[] = [];
    t['native (in agent)'] = await timeHere(runs, 'warm native run', () => runWorkload(endpoints, workload, SIM_USER, SIM_PASSWORD), async () => {
      const t0 = performance.now();
      await run('bash', ['-c', freeipmi], { maxBuffer: 1 << 24 });
      freeipmiWalls.push((performance.now() - t0) / 1000);
    });
    t['freeipmi (alternated)'] = { wall: median(freeipmiWalls), cpu: NaN };
    // What the agent's poller and bootstrap actually do: clients and their sessions stay open
    // between operations (kept alive), so an operation needs no session set-up.
    const fleet = new Fleet(endpoints, SIM_USER, SIM_PASSWORD);
    try {
      if (await fleet.run(workload) > 0) throw new Error('native run opening the kept sessions failed');
      t['native (in agent, sessions kept)'] = await timeHere(runs, 'native run in kept sessions', () => fleet.run(workload));
    } finally {
      await fleet.close();
    }
    const lines: string[] = [];
    const nat = t.native as Timing;
    for (const [name, v] of Object.entries(t)) {
      const cpuCells = Number.isNaN(v.cpu) ? '| — | — |' : `| ${(v.cpu / n * 1000).toFixed(1)} | ${(v.cpu / nat.cpu).toFixed(1)}× |`;
      lines.push(`| ${n} | ${workload} | ${name} | ${(v.wall * 1000).toFixed(0)} | ${(v.wall / nat.wall).toFixed(1)}× ${cpuCells}`);
    }
    if (workload === 'pxe-cycle') {
      // Sanity: every simulated BMC ended on, with PXE as boot device.
      const states = await Promise.all(sims.map((s) => s.chassis()));
      const wrong = states.filter((s) => s.boot !== 'pxe').length;
      if (wrong > 0) lines.push(`| ${n} | check | ${wrong} BMCs did not end with boot device pxe | | | | |`);
    }
    return lines;
  } finally {
    await Promise.all(sims.map((s) => s.stop()));
  }
}

async function bench(n: number, runs: number, dir: string): Promise<string[]> {
  const lines: string[] = [];
  for (const workload of ['status', 'pxe-cycle']) lines.push(...await benchWorkload(n, workload, runs, dir));
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
