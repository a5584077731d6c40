/**
 * bench/bootstrap: wall time of a 1-node and a 3-node bootstrap of a simulated rack in the same
 * run (their ratio shows whether nodes really proceed in parallel), and the time each node spent
 * in each phase; then a 64-BMC `--no-vm` rack, where `racker ipmi --all power status` runs side by
 * side with the serial ipmitool loop the original racker used.
 *
 *   npm run build && node dist/bench/bootstrap/run.js [--sizes 1,3] [--bmcs 64]
 *
 * Needs root (network namespaces) and the packages of scripts/debian-packages.txt. Every process
 * it starts is stopped by PID, every rack destroyed.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const racker = join(root, 'bin', 'racker');
const sim = join(root, 'bin', 'racker-sim');

interface NodeView { hostname: string; isManagement: boolean; phase: { name: string; history: { name: string; at: string }[] } }

async function simJson(args: string[]): Promise<Record<string, unknown>> {
  return JSON.parse((await execa(sim, [...args, '--json'])).stdout) as Record<string, unknown>;
}

async function rackerJson(args: string[]): Promise<Record<string, unknown>> {
  return JSON.parse((await execa(racker, [...args, '--json'], { reject: false })).stdout) as Record<string, unknown>;
}

/** Create a rack, run the agent in its management namespace, bootstrap, return timings. */
async function bootstrapRack(nodes: number): Promise<{ wallS: number; perPhase: Map<string, number[]> }> {
  const name = `bench${nodes}`;
  await execa(sim, ['destroy', '--name', name], { reject: false });
  const config = (await execa(sim, ['create', '--name', name, '--nodes', String(nodes)])).stdout.trim();
  const status = await simJson(['status', '--name', name]);
  const agent = spawn('ip', ['netns', 'exec', String(status.mgmtNetns), process.execPath, racker, 'agent', '--config', config], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 100; i++) {
      if ((await execa(racker, ['status', '--config', config], { reject: false })).exitCode === 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const t0 = Date.now();
    const r = await execa(racker, ['bootstrap', '--config', config, '--yes', '--provision', 'flatcar', '--on-failure', 'exclude'], { reject: false });
    const wallS = (Date.now() - t0) / 1000;
    if (r.exitCode !== 0) throw new Error(`bootstrap of ${nodes} nodes failed:\n${r.stdout}\n${r.stderr}`);
    const view = await rackerJson(['status', '--config', config]);
    const perPhase = new Map<string, number[]>();
    for (const n of (view.nodes as NodeView[]).filter((x) => !x.isManagement)) {
      const h = n.phase.history;
      for (let i = 0; i + 1 < h.length; i++) {
        const cur = h[i] as { name: string; at: string };
        const next = h[i + 1] as { name: string; at: string };
        const list = perPhase.get(cur.name) ?? [];
        list.push((Date.parse(next.at) - Date.parse(cur.at)) / 1000);
        perPhase.set(cur.name, list);
      }
    }
    return { wallS, perPhase };
  } finally {
    if (agent.pid !== undefined) process.kill(agent.pid, 'SIGTERM');
    await new Promise((r) => agent.once('exit', r));
    await execa(sim, ['destroy', '--name', name], { reject: false });
  }
}

/** `racker ipmi --all power status` vs one ipmitool process per BMC after another, on a --no-vm rack. */
async function fanout(bmcs: number): Promise<void> {
  const name = 'benchbmc';
  await execa(sim, ['destroy', '--name', name], { reject: false });
  const config = (await execa(sim, ['create', '--name', name, '--nodes', String(bmcs), '--no-vm'])).stdout.trim();
  try {
    const status = await simJson(['status', '--name', name]);
    const ns = String(status.mgmtNetns);
    const password = (await readFile(join(config, '..', '..', 'oem', 'ipmi_password'), 'utf8')).trim();
    const addresses = (status.nodes as { bmcAddress: string }[]).map((n) => n.bmcAddress);
    const time = async (f: () => Promise<void>): Promise<number> => { const t = Date.now(); await f(); return (Date.now() - t) / 1000; };
    const ours = await time(async () => { await execa('ip', ['netns', 'exec', ns, process.execPath, racker, 'ipmi', '--all', 'power', 'status', '--config', config]); });
    const serial = await time(async () => {
      for (const a of addresses) await execa('ip', ['netns', 'exec', ns, 'ipmitool', '-I', 'lanplus', '-C', '3', '-H', a, '-U', 'admin', '-E', 'chassis', 'power', 'status'], { env: { IPMI_PASSWORD: password } });
    });
    console.log(`\n${bmcs} BMCs, power status of all (racker-sim --no-vm rack, from the management namespace):`);
    console.log(`  racker ipmi --all (one process, native client):  ${ours.toFixed(2)} s`);
    console.log(`  ipmitool, one process per BMC, serially:          ${serial.toFixed(2)} s`);
    console.log(`  ratio serial ipmitool / racker:                  ${(serial / ours).toFixed(1)}×`);
  } finally {
    await execa(sim, ['destroy', '--name', name], { reject: false });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { sizes: { type: 'string', default: '1,3' }, bmcs: { type: 'string', default: '64' } } });
  const sizes = (values.sizes ?? '1,3').split(',').map(Number);
  const results = new Map<number, Awaited<ReturnType<typeof bootstrapRack>>>();
  for (const n of sizes) results.set(n, await bootstrapRack(n));
  console.log('bootstrap of a simulated rack (QEMU under TCG unless KVM works, stand-in OS), `racker bootstrap --yes --provision flatcar`:');
  for (const [n, r] of results) console.log(`  ${n} node${n === 1 ? ' ' : 's'}: ${r.wallS.toFixed(1)} s wall`);
  if (sizes.length >= 2) {
    const a = results.get(sizes[0] as number) as { wallS: number };
    const b = results.get(sizes[sizes.length - 1] as number) as { wallS: number };
    console.log(`  ratio ${sizes[sizes.length - 1]} nodes / ${sizes[0]} node: ${(b.wallS / a.wallS).toFixed(2)} (1.00 = fully parallel, ${sizes[sizes.length - 1]}.00 = serial)`);
  }
  for (const [n, r] of results) {
    console.log(`\n  time per phase, ${n}-node rack (mean over nodes, seconds):`);
    for (const [phase, list] of r.perPhase) console.log(`    ${phase.padEnd(18)} ${(list.reduce((x, y) => x + y, 0) / list.length).toFixed(1)}`);
  }
  await fanout(Number(values.bmcs ?? '64'));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
