/**
 * BMCs that need Set Session Privilege Level before chassis control (#18): racker's native client
 * talks to a real ipmi_sim through a recording UDP relay, and the capture, decrypted with the keys
 * the test derives itself from the password and the key exchange (test/lib/rmcp-capture.ts), must
 * show in every session: Set Session Privilege Level (administrator) first, answered with success
 * by the BMC, before any chassis command. ipmi_sim handles that request in its session layer and
 * does not log it, so only the wire can tell.
 */
import { expect } from 'chai';
import { IpmiBmcClient } from '../../../agent/bmc/ipmi/lanplus-client.js';
import { UdpTransport } from '../../../agent/bmc/ipmi/transport.js';
import { Semaphore } from '../../../agent/bmc/scheduler.js';
import { silentLogger } from '../../../agent/lib/log.js';
import { IpmiSim, SIM_PASSWORD, SIM_USER, freeUdpPort, stopAllSims } from '../../lib/ipmi-sim.js';
import { UdpRelay, readSessions, type SessionMessage } from '../../lib/rmcp-capture.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';

const APP = 0x06;
const CHASSIS = 0x00;
const SET_SESSION_PRIVILEGE = 0x3b;
const ADMINISTRATOR = 0x04;
const show = (m: SessionMessage): string => `${m.toBmc ? '→' : '←'} ${m.netFn.toString(16)}/${m.command.toString(16)}${m.completionCode === undefined ? '' : ` cc ${m.completionCode}`} [${m.data.join(',')}]`;

describe('native IPMI: Set Session Privilege Level before chassis control, read off the wire', function () {
  this.timeout(30_000);
  let dir: string | undefined;
  let sim: IpmiSim | undefined;
  let relay: UdpRelay | undefined;
  let transport: UdpTransport | undefined;

  before(async () => {
    dir = await makeTempDir('racker-bmc-');
    const port = await freeUdpPort();
    sim = await IpmiSim.start({ dir, lans: [{ address: '127.0.0.1', port }], users: [{ id: 2, name: SIM_USER, password: SIM_PASSWORD, privilege: 'admin' }] });
    relay = await UdpRelay.start(port);
    transport = new UdpTransport(silentLogger());
  });
  after(async () => {
    await transport?.close();
    await relay?.close();
    await stopAllSims();
    await removeTempDir(dir);
  });

  it('every session asks for administrator, gets it, and only then sends chassis control', async () => {
    const target = { node: 'node-2', address: '127.0.0.1', port: (relay as UdpRelay).port, user: SIM_USER, password: SIM_PASSWORD };
    const options = { cipherSuites: [17, 3] as Array<3 | 17>, timeoutMs: 1500, retries: 3, retransmitMs: 200, minCommandIntervalMs: 5, keepAliveMs: 0 };
    for (let i = 0; i < 2; i++) {
      // One client per round: each opens its own session.
      const c = new IpmiBmcClient(target, options, { transport: transport as UdpTransport, fanout: new Semaphore(1), log: silentLogger() });
      await c.powerOn();
      await c.powerCycle();
      await c.close();
    }
    expect((await (sim as IpmiSim).chassis()).power).to.be.oneOf([0, 1]);

    const sessions = readSessions((relay as UdpRelay).datagrams, SIM_PASSWORD);
    const withChassis = sessions.filter((s) => s.messages.some((m) => m.toBmc && m.netFn === CHASSIS && m.command === 0x02));
    expect(withChassis, 'sessions that sent chassis control').to.have.length(2);
    for (const s of withChassis) {
      const trace = s.messages.map(show).join('\n');
      // ipmi_sim refuses suite 17, so suite 3: RAKP-HMAC-SHA1 with AES-CBC-128, every message encrypted.
      expect([s.authAlgorithm, s.confidentiality], trace).to.deep.equal([1, 1]);
      expect(s.messages.every((m) => m.encrypted), trace).to.equal(true);
      const first = s.messages.find((m) => m.toBmc);
      expect(first && [first.netFn, first.command, first.data], `first request of session ${s.bmcSessionId}:\n${trace}`).to.deep.equal([APP, SET_SESSION_PRIVILEGE, [ADMINISTRATOR]]);
      const granted = s.messages.findIndex((m) => !m.toBmc && m.netFn === APP + 1 && m.command === SET_SESSION_PRIVILEGE);
      const chassis = s.messages.findIndex((m) => m.toBmc && m.netFn === CHASSIS);
      expect(granted, trace).to.be.within(0, chassis);
      const answer = s.messages[granted] as SessionMessage;
      expect([answer.completionCode, (answer.data[0] ?? 0) & 0x0f], trace).to.deep.equal([0, ADMINISTRATOR]);
    }
  });
});
