import { expect } from 'chai';
import { writeFakeRack, type FakeRack } from '../../lib/fake-rack.js';
import { runRacker } from '../../lib/run-racker.js';
import { startInProcessAgent, type InProcessAgent } from '../../lib/in-process-agent.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';

const TITLE = '\x1b]0;pwned\x07';

describe('racker status: what nodes and the network said reaches the terminal escaped', function () {
  this.timeout(30_000);
  let dir: string | undefined;
  let rack: FakeRack;
  let agent: InProcessAgent;

  beforeEach(async () => {
    dir = await makeTempDir('racker-escapes-');
    rack = await writeFakeRack(dir);
    agent = await startInProcessAgent(rack);
  });
  afterEach(async () => {
    await agent.stop();
    await removeTempDir(dir);
  });

  it('a phone-home reason with a terminal title sequence is shown as text, not acted on; --json keeps it as data', async () => {
    const mac = '00:11:22:33:44:10';
    agent.store.setError(mac, { step: 'phone-home', message: `the node reports failed: ${TITLE}disk\x1b[2Jgone` });
    agent.store.event({ type: 'node.phone-home', level: 'error', node: mac, message: `${mac} reports failed: ${TITLE}` });
    await agent.store.persisted();
    const r = await runRacker(['status', '--full'], rack.env);
    expect(r.code, r.stderr).to.equal(0);
    expect([...r.stdout].filter((c) => (c < ' ' && c !== '\n') || c === '\x7f')).to.deep.equal([]);
    expect(r.stdout).to.include('\\x1b]0;pwned\\x07');
    const json = await runRacker(['status', '--json'], rack.env);
    const nodes = (JSON.parse(json.stdout) as { nodes: { mac: string; lastError?: { message: string } }[] }).nodes;
    expect(nodes.find((n) => n.mac === mac)?.lastError?.message).to.include(TITLE);
  });
});
