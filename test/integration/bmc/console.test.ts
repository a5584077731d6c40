/**
 * `racker ipmi <node> console` in a real terminal (tmux, 80x24) against ipmi_sim with serial over
 * LAN: the simulator's serial port is a TCP server in this test, so what the operator types must
 * arrive there and what the "server" prints must appear on the screen. racker runs with a PATH
 * that has no ipmitool: the console is its own SOL over RMCP+.
 *
 * ipmi_sim allows one SOL session: with another console left attached (as after a dropped SSH
 * connection; ipmitool's here) a plain activation is refused ("SOL payload already active on
 * another session"), so the console only works if racker deactivates the dangling session first.
 */
import { expect } from 'chai';
import { createServer, type Server, type Socket } from 'node:net';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { racker } from '../../lib/paths.js';
import { writeFakeRack, type FakeRack } from '../../lib/fake-rack.js';
import { IpmiSim, freeUdpPort, stopAllSims } from '../../lib/ipmi-sim.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';
import { TmuxTerminal } from '../../lib/tmux.js';
import { watchArgv, type ArgvWatch } from '../../lib/argv-watch.js';
import { DETACH_HINT } from '../../../agent/cli/sol-terminal.js';
import { exec } from '../../../agent/lib/exec.js';
import { mustNotSkipInCi } from '../../lib/run-sim.js';

const PASSWORD = 'Console-Pa55word';
const REPLY = 'hello from the serial port';

/** The managed server's serial port: records what arrives and answers every line. */
class SerialPort {
  received = '';
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor() {
    this.server = createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('data', (d: Buffer) => {
        // Telnet negotiation from ipmi_sim (IAC …) is not text.
        const text = d.toString('latin1').replace(/\xff[\xfb-\xfe]./g, '');
        this.received += text;
        if (text.includes('\r')) socket.write(`\r\n${REPLY}\r\n`);
      });
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as { port: number }).port;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe('racker ipmi <node> console in a terminal', function () {
  this.timeout(90_000);
  let dir: string | undefined;
  let serial: SerialPort | undefined;
  let sim: IpmiSim;
  let rack: FakeRack;
  let term: TmuxTerminal | undefined;

  before(async function () {
    // In CI (setup installs tmux) a missing tmux fails the test instead of skipping it.
    if (mustNotSkipInCi(await hasTmux() ? undefined : 'tmux is not installed (scripts/debian-packages.txt)') !== undefined) this.skip();
    dir = await makeTempDir('racker-console-');
    serial = new SerialPort();
    const solTcpPort = await serial.listen();
    const port = await freeUdpPort();
    await mkdir(join(dir, 'bmc'));
    sim = await IpmiSim.start({ dir: join(dir, 'bmc'), lans: [{ address: '127.0.0.1', port }], users: [{ id: 2, name: 'admin', password: PASSWORD, privilege: 'admin' }], solTcpPort });
    rack = await writeFakeRack(join(dir, 'rack'), {
      password: PASSWORD,
      configYaml: `bmc:\n  cipherSuites: [3]\n  nodes:\n    "00:11:22:33:44:11": { address: 127.0.0.1, port: ${port} }\n`,
    });
  });

  after(async () => {
    await term?.stop();
    await stopAllSims();
    await serial?.close();
    await removeTempDir(dir);
  });

  it('drops a dangling SOL session, says how to detach, carries keys both ways, and ~. returns to the shell; the password is never in argv', async () => {
    const argv = watchArgv(PASSWORD);
    try {
      await consoleSession(argv);
    } finally {
      await argv.stop(); // a watch left running keeps the process busy and alive
    }
  });

  async function consoleSession(argv: ArgvWatch): Promise<void> {
    const t = new TmuxTerminal(dir as string);
    term = t;
    await t.start(['sh'], { ...rack.env, PS1: '$ ' });

    // The dangling console: ipmitool attached in another window, the password read from a file
    // into its environment (never argv).
    const secret = join(dir as string, 'password');
    await writeFile(secret, PASSWORD, { mode: 0o600 });
    const dangling = join(dir as string, 'dangling.sh');
    await writeFile(dangling, `#!/bin/sh\nIPMI_PASSWORD=$(cat '${secret}') exec ipmitool -I lanplus -C 3 -H 127.0.0.1 -p ${sim.port} -U admin -E sol activate\n`);
    await chmod(dangling, 0o700);
    await t.addWindow('dangling', [dangling]);
    for (let i = 0; !(await t.windowTranscript('dangling')).includes('SOL Session operational'); i++) {
      if (i > 200) throw new Error(`the dangling console did not attach:\n${await t.windowTranscript('dangling')}`);
      await new Promise((r) => setTimeout(r, 100));
    }

    // Row 2 is the node whose BMC MAC is pinned to the simulator.
    await t.type(`PATH=/nonexistent ${process.execPath} ${racker} ipmi 2 console; echo racker-exit:$?`);
    await t.keys('Enter');
    await t.waitFor(/SOL session operational on node-02/);
    expect(await t.transcript()).to.include(DETACH_HINT);
    const requests = sim.requests();
    const danglingAt = requests.findIndex(isActivatePayload);
    const deactivatedAt = requests.findIndex((q, i) => i > danglingAt && isDeactivatePayload(q));
    expect(danglingAt, 'the dangling console activated SOL').to.be.greaterThan(-1);
    expect(deactivatedAt, 'racker deactivated it').to.be.greaterThan(danglingAt);
    expect(requests.slice(deactivatedAt + 1).some(isActivatePayload), 'then activated its own').to.equal(true);

    await t.type('root');
    await t.keys('Enter');
    await t.waitFor(new RegExp(REPLY));
    expect((serial as SerialPort).received).to.include('root\r');
    // A longer line than one SOL packet carries, and a ~ in the middle of a line, arrive whole.
    const long = `echo ${'x'.repeat(300)}~y`;
    await t.type(long);
    await t.keys('Enter');
    for (let i = 0; !(serial as SerialPort).received.includes(`${long}\r`); i++) {
      if (i > 200) throw new Error(`the serial port got: ${JSON.stringify((serial as SerialPort).received.slice(-400))}`);
      await new Promise((r) => setTimeout(r, 50));
    }

    // Detach: the escape is recognised only at the start of a line.
    await t.keys('Enter');
    await t.type('~.');
    await t.waitFor(/racker-exit:0/);
    const after = sim.requests();
    const ownActivation = after.findLastIndex(isActivatePayload);
    expect(after.slice(ownActivation + 1).some(isDeactivatePayload), 'SOL deactivated on detach').to.equal(true);
    await t.type('echo back-at-the-shell-$((6*7))');
    await t.keys('Enter');
    await t.waitFor(/back-at-the-shell-42/);

    const hits = await argv.stop();
    expect(hits).to.deep.equal([]);
    expect(argv.seen(), 'the argv watch saw processes').to.be.greaterThan(0);
  }
});

async function hasTmux(): Promise<boolean> {
  return exec('tmux', ['-V']).then(() => true, () => false);
}

/** Activate Payload (App 0x48) / Deactivate Payload (App 0x49) of payload type SOL (1). */
function isActivatePayload(q: { netFn: number; command: number; data: number[] }): boolean {
  return q.netFn === 0x06 && q.command === 0x48 && q.data[0] === 0x01;
}
function isDeactivatePayload(q: { netFn: number; command: number; data: number[] }): boolean {
  return q.netFn === 0x06 && q.command === 0x49 && q.data[0] === 0x01;
}
