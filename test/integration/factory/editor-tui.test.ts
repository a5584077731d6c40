/**
 * The factory editor in a real 80x24 terminal (tmux), driven by keys as a technician (or a
 * barcode scanner) would, against a temporary rack whose fake /sys/class/net makes this machine
 * the management node. The written files are then checked on disk and with `racker factory check`.
 */
import { expect } from 'chai';
import { mkdir, readFile, rm, stat, writeFile, access } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';
import { writeFakeRack, MGMT, type FakeRack } from '../../lib/fake-rack.js';
import { TmuxTerminal } from '../../lib/tmux.js';
import { FakeAgentApi } from '../../lib/fake-agent-api.js';
import { racker } from '../../lib/paths.js';
import { exec } from '../../../agent/lib/exec.js';
import { agentSocketPath } from '../../../factory/agent-client.js';

const PASSWORD = 'Vq7-mZ2!kR9p';
const mode = async (p: string): Promise<number> => (await stat(p)).mode & 0o777;
const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

describe('racker factory editor in a real terminal (tmux 80x24)', function () {
  this.timeout(90_000);
  let dir: string;
  let rack: FakeRack;
  let term: TmuxTerminal;
  let agent: FakeAgentApi | undefined;

  beforeEach(async () => {
    dir = await makeTempDir();
    rack = await writeFakeRack(join(dir, 'rack'));
    for (const f of ['nodes.csv', 'ipmi_user', 'ipmi_password']) await rm(join(rack.oemDir, f));
    term = new TmuxTerminal(dir);
  });
  afterEach(async () => {
    await term.stop();
    await agent?.stop();
    agent = undefined;
    await removeTempDir(dir);
  });

  const start = (): Promise<void> => term.start([process.execPath, racker, 'factory'], { RACKER_CONFIG: rack.configPath });
  async function enterCredentials(): Promise<void> {
    await term.waitFor(/BMC credentials/);
    await term.type('admin');
    await term.keys('Enter');
    await term.type(PASSWORD);
    await term.keys('Enter');
    await term.type('not-the-same');
    await term.waitFor(/✗ the two passwords differ/);
    await term.keys('C-u');
    await term.type(PASSWORD);
    await term.waitFor(/✓ the passwords match/);
    await term.keys('Enter');
    await term.waitFor(/Primary MAC\s+BMC MAC\s+Secondary MAC/);
  }
  async function typeRow(cells: string[]): Promise<void> {
    for (const c of cells) {
      if (c !== '') await term.type(c);
      await term.keys('Enter');
    }
  }

  it('enters credentials and three rows, refuses to save with an invalid MAC, saves once fixed', async () => {
    await start();
    await enterCredentials();
    await typeRow([MGMT.primary, MGMT.bmc, MGMT.secondary, 'mgmt', 'management node']);
    await typeRow(['001122334410', '00-11-22-33-44-11', '00:11:22:33:44:40', 'worker', 'u2']); // scanner forms, normalised
    await typeRow(['00:11:22:33:44:20', 'zz:11', '00:11:22:33:44:50', 'worker', 'u3']);
    let screen = await term.waitFor(/3 problem|1 problem/);
    expect(screen).to.match(/^M {2}1 00:11:22:33:44:00 00:11:22:33:44:01 00:11:22:33:44:30 mgmt/m); // management row marked
    expect(screen).to.match(/^ {3}2 00:11:22:33:44:10 00:11:22:33:44:11 00:11:22:33:44:40 worker/m);
    expect(screen).to.match(/management node: row 1 \(PXE eth1\)/);
    await term.keys('Up', 'Right'); // from the new empty row 4 to row 3, BMC MAC
    await term.waitFor(/row 3 BMC MAC address: ✗ "zz:11" is not a MAC address/);

    await term.keys('C-s');
    screen = await term.waitFor(/Summary before saving/);
    expect(screen).to.match(/1 problem to fix before saving:/);
    expect(screen).to.match(/✗ row 3 BMC MAC address: "zz:11" is not a MAC address/);
    await term.keys('Enter');
    await term.waitFor(/cannot save: 1 problem to fix first/);
    expect(await exists(join(rack.oemDir, 'nodes.csv'))).to.equal(false);
    expect(await exists(join(rack.oemDir, 'ipmi_password'))).to.equal(false);

    await term.keys('Escape'); // back to the table, cursor still on the bad cell
    await term.waitFor(/row 3 BMC MAC address: ✗/);
    await term.type('00:11:22:33:44:21');
    await term.keys('Enter', 'C-s');
    await term.waitFor(/No problems\. Press Enter to save\./);
    await term.keys('Enter');
    screen = await term.waitFor(/saved 3 files; the agent is not running/);
    expect(screen).to.match(/✓ wrote .*ipmi_password/);
    await term.keys('Escape', 'Escape'); // back to the table, then leave (nothing unsaved: no question)
    expect(await term.waitForExit()).to.equal(0);
    expect(await term.transcript()).to.match(/racker factory: saved to .*; check it with `racker factory check`/);

    expect(await readFile(join(rack.oemDir, 'nodes.csv'), 'utf8')).to.equal([
      'Primary MAC address, BMC MAC address, Secondary MAC address, Node Type, Comments',
      '00:11:22:33:44:00, 00:11:22:33:44:01, 00:11:22:33:44:30, mgmt, management node',
      '00:11:22:33:44:10, 00:11:22:33:44:11, 00:11:22:33:44:40, worker, u2',
      '00:11:22:33:44:20, 00:11:22:33:44:21, 00:11:22:33:44:50, worker, u3', ''].join('\n'));
    expect(await readFile(join(rack.oemDir, 'ipmi_user'), 'utf8')).to.equal('admin\n');
    expect(await readFile(join(rack.oemDir, 'ipmi_password'), 'utf8')).to.equal(`${PASSWORD}\n`);
    expect(await mode(join(rack.oemDir, 'nodes.csv'))).to.equal(0o644);
    expect(await mode(join(rack.oemDir, 'ipmi_user'))).to.equal(0o600);
    expect(await mode(join(rack.oemDir, 'ipmi_password'))).to.equal(0o600);
    const check = await exec(process.execPath, [racker, 'factory', 'check'], { env: { RACKER_CONFIG: rack.configPath }, okExitCodes: [0, 1] });
    expect(check.stdout).to.match(/✓ the rack metadata is valid/);
    expect(check.exitCode).to.equal(0);
  });

  it('imports a CSV, drops a discovered MAC into a row, reorders and deletes rows, and asks before leaving unsaved', async () => {
    await mkdir(rack.runDir, { recursive: true });
    agent = new FakeAgentApi(agentSocketPath(rack.runDir), (req) => (req.url === '/v1/discovery'
      ? { status: 200, body: { macs: [{ mac: '0C:C4:7A:00:00:99', ip: '172.24.213.241', firstSeen: '2026-12-06T06:00:00.000Z', lastSeen: '2026-12-06T06:00:00.000Z' }] } } : { status: 404 }));
    await agent.start();
    const csv = join(dir, 'export.csv');
    await writeFile(csv, `Primary,BMC,Secondary,Type,Notes\n00:11:22:33:44:10,,00:11:22:33:44:40,worker,to fill\n${MGMT.primary},${MGMT.bmc},${MGMT.secondary},mgmt,m\n02:00:00:00:00:01,02:00:00:00:00:02,02:00:00:00:00:03,,delete me\n`);
    await start();
    await enterCredentials();
    await term.keys('C-o');
    await term.waitFor(/Import a CSV file/);
    await term.type(csv);
    await term.keys('Enter');
    let screen = await term.waitFor(/imported 3 rows from/);
    expect(screen).to.match(/^ {3}1 00:11:22:33:44:10 \?/m); // the missing BMC MAC is flagged
    expect(screen).to.match(/^M {2}2 00:11:22:33:44:00/m);

    await term.keys('Right', 'C-r'); // row 1, BMC MAC column: open the discovery panel
    screen = await term.waitFor(/0c:c4:7a:00:00:99 +172\.24\.213\.241 +Supermicro/);
    expect(screen).to.match(/source: agent discovery pool; 1 MAC/);
    await term.keys('Enter');
    screen = await term.waitFor(/0c:c4:7a:00:00:99 put into row 1/);
    expect(screen).to.match(/^ {3}1 00:11:22:33:44:10 0c:c4:7a:00:00:99 00:11:22:33:44:40 worker/m);

    await term.keys('Down', 'S-Up'); // move the management row to the top
    await term.waitFor(/^M {2}1 00:11:22:33:44:00/m);
    await term.keys('Down', 'Down', 'C-d');
    await term.waitFor(/Delete row 3 \(02:00:00:00:00:01\)\? \(y\/n\)/);
    await term.type('y');
    screen = await term.waitFor(/row 3 deleted/);
    expect(screen).not.to.match(/delete me/);
    expect(screen).to.match(/2 rows {2}management node: row 1 \(PXE eth1\) {2}no problems/);

    await term.keys('Escape');
    await term.waitFor(/Leave without saving them\? \(y\/n\)/);
    await term.type('n');
    await term.waitFor(/Enter edit/);
    await term.keys('Escape');
    await term.waitFor(/Leave without saving/);
    await term.type('y');
    expect(await term.waitForExit()).to.equal(0);
    expect(await term.transcript()).to.match(/racker factory: left without saving the last changes/);
    expect(await exists(join(rack.oemDir, 'nodes.csv'))).to.equal(false);
    expect(agent.requests.map((r) => `${r.method} ${r.url}`)).to.deep.equal(['GET /v1/discovery']);
  });
});
