/**
 * A real OpenIPMI `ipmi_sim` BMC for integration tests and benchmarks: writes its configuration
 * into a directory, starts it (optionally inside a network namespace), waits until it answers,
 * exposes the recorded chassis state and the decoded IPMI requests it received, and stops it by
 * PID. Tests call stop() in after hooks; stopAllSims() is the safety net.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chassisControlCommand, renderChassisScript, renderEmu, renderLanConf, type LanEndpoint, type SimInventory, type SimSensor, type SimUser } from './ipmi-sim-config.js';
import { waitUntil } from '../../agent/lib/backoff.js';

export interface StartSimOptions extends SimInventory {
  dir: string;
  lans: LanEndpoint[];
  users?: SimUser[];
  sensors?: SimSensor[];
  /** Record decoded requests (for "what arrived at the BMC" checks). Default true. */
  logMessages?: boolean;
  /** Run inside this network namespace (`ip netns exec`). */
  netns?: string;
  /** Initial power state. */
  power?: 0 | 1;
  /** Serial over LAN to this TCP port on 127.0.0.1 (see ipmi-sim-config.ts). */
  solTcpPort?: number;
}

export const SIM_USER = 'admin';
export const SIM_PASSWORD = 'Sim-Pa55word';

/** A request as ipmi_sim's message log shows it. */
export interface LoggedRequest {
  netFn: number;
  command: number;
  data: number[];
}

const running = new Set<IpmiSim>();

export class IpmiSim {
  private output = '';
  private exited = false;

  private constructor(readonly dir: string, readonly lans: LanEndpoint[], private readonly child: ChildProcess) {
    child.stdout?.on('data', (d: Buffer) => { this.output += d.toString('latin1'); });
    child.stderr?.on('data', (d: Buffer) => { this.output += d.toString('latin1'); });
    child.once('exit', () => { this.exited = true; running.delete(this); });
  }

  get pid(): number {
    return this.child.pid as number;
  }

  get port(): number {
    return (this.lans[0] as LanEndpoint).port;
  }

  get alive(): boolean {
    return !this.exited;
  }

  static async start(o: StartSimOptions): Promise<IpmiSim> {
    const state = join(o.dir, 'chassis');
    await mkdir(state, { recursive: true });
    await mkdir(join(o.dir, 'persist'), { recursive: true });
    const script = join(o.dir, 'chassis-control');
    await writeFile(script, renderChassisScript(state));
    await writeFile(join(state, 'power'), `${o.power ?? 0}\n`);
    const users = o.users ?? [{ id: 2, name: SIM_USER, password: SIM_PASSWORD, privilege: 'admin' }];
    await writeFile(join(o.dir, 'lan.conf'), renderLanConf({ name: 'racker-test', lans: o.lans, users, chassisControl: chassisControlCommand(script), logMessages: o.logMessages ?? true, solTcpPort: o.solTcpPort }));
    await writeFile(join(o.dir, 'bmc.emu'), renderEmu({ logMessages: o.logMessages ?? true, sensors: o.sensors, sel: o.sel, fru: o.fru }));
    const args = ['-c', join(o.dir, 'lan.conf'), '-f', join(o.dir, 'bmc.emu'), '-s', join(o.dir, 'persist')];
    // stdin stays an open pipe: ipmi_sim's console (and with it the message log) needs it.
    // stdbuf: unbuffered stdout, so the log holds every request as soon as it is handled.
    const command = ['stdbuf', '-o0', 'ipmi_sim', ...args];
    const argv = o.netns === undefined ? command : ['ip', 'netns', 'exec', o.netns, ...command];
    const child = spawn(argv[0] as string, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    const sim = new IpmiSim(o.dir, o.lans, child);
    running.add(sim);
    try {
      await sim.waitReady(o.netns === undefined);
    } catch (e) {
      await sim.stop();
      throw e;
    }
    return sim;
  }

  private async waitReady(ping: boolean): Promise<void> {
    const ready = await waitUntil(async () => {
      if (this.exited) throw new Error(`ipmi_sim exited at start: ${this.output.slice(-500)}`);
      return this.output.includes('> ') && (!ping || await asfPing(this.lans[0] as LanEndpoint)) ? true : undefined;
    }, { intervalMs: 50, timeoutMs: 5000 });
    if (ready === true) return;
    throw new Error(`ipmi_sim did not become ready: ${this.output.slice(-500)}`);
  }

  /** Recorded chassis state: power, boot device as the chassis_control program last heard it, and every set. */
  async chassis(): Promise<{ power: number; boot: string; events: string[] }> {
    const read = async (f: string, dflt: string): Promise<string> => {
      try {
        return (await readFile(join(this.dir, 'chassis', f), 'utf8')).trim();
      } catch {
        return dflt; // not written yet
      }
    };
    const events = await read('events', '');
    return { power: Number(await read('power', '0')), boot: await read('boot', 'default'), events: events === '' ? [] : events.split('\n') };
  }

  /** Decoded requests ipmi_sim logged (with logMessages). */
  requests(): LoggedRequest[] {
    const out: LoggedRequest[] = [];
    const re = /netfn=0x([0-9a-f]+) cmd=0x([0-9a-f]+)[^\n]*\n[^\n]*\n((?: [0-9a-f]{2})*)/g;
    for (const m of this.output.replace(/\r/g, '').matchAll(re)) {
      const data = (m[3] ?? '').trim();
      out.push({ netFn: parseInt(m[1] as string, 16), command: parseInt(m[2] as string, 16), data: data === '' ? [] : data.split(/\s+/).map((b) => parseInt(b, 16)) });
    }
    return out;
  }

  /** Sessions the simulator activated so far. */
  sessionsStarted(): number {
    return this.output.split('Activate session: Session started').length - 1;
  }

  get log(): string {
    return this.output;
  }

  /** Kill at once (a BMC that vanishes mid-session). */
  async kill(): Promise<void> {
    await this.stop('SIGKILL');
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 2000);
    await gone;
    clearTimeout(timer);
  }
}

/** Safety net for after hooks: stop every simulator this process started. */
export async function stopAllSims(): Promise<void> {
  await Promise.all([...running].map((s) => s.stop()));
}

/** One ASF presence ping from a throwaway socket: true when a pong comes back within 200 ms. */
export async function asfPing(e: LanEndpoint): Promise<boolean> {
  const socket = createSocket('udp4');
  try {
    return await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 200);
      socket.on('message', () => { clearTimeout(timer); resolve(true); });
      socket.on('error', () => { clearTimeout(timer); resolve(false); });
      socket.send(Buffer.from([0x06, 0x00, 0xff, 0x06, 0x00, 0x00, 0x11, 0xbe, 0x80, 0x01, 0x00, 0x00]), e.port, e.address);
    });
  } finally {
    socket.close();
  }
}

/** A UDP port that was free a moment ago (bound and released), for a test BMC. */
export async function freeUdpPort(address = '127.0.0.1'): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, address, () => resolve()));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}
