import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runRacker } from '../../lib/run-racker.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';
import { writeFakeRack } from '../../lib/fake-rack.js';
import { treeHash } from '../../lib/tree-hash.js';
import { NODES_CSV_HEADER } from '../../../agent/inventory/nodes-csv.js';

describe('racker factory check (as a process)', () => {
  let dir: string;
  beforeEach(async () => { dir = await makeTempDir(); });
  afterEach(async () => { await removeTempDir(dir); });

  it('accepts a valid rack, prints the summary and exits 0', async () => {
    const rack = await writeFakeRack(dir);
    const r = await runRacker(['factory', 'check'], rack.env);
    expect(r.stderr).to.equal('');
    expect(r.code).to.equal(0);
    expect(r.stdout).to.equal([
      'nodes:           4 (3 to provision, 1 management node)',
      'node types:      purple ×2, red ×1',
      'management node: line 2, node-01 (00:11:22:33:44:00)',
      'PXE interface:   eth1 (172.24.213.1 on 172.24.213.0/24)',
      '✓ the rack metadata is valid',
      '',
    ].join('\n'));
  });

  it('lists every problem in configuration and metadata with file and line, exits 1 and changes nothing', async () => {
    const rack = await writeFakeRack(dir, {
      nodesCsv: `${NODES_CSV_HEADER}\n00:11:22:33:44:00, 00:11:22:33:44:01, 00:11:22:33:44:30, mgmt, m\n00:11:22:33:44:10, 00:11:22:33:44:1, 00:11:22:33:44:40, w, \n00:11:22:33:44:20, 00:11:22:33:44:10, 00:11:22:33:44:50, w, \n`,
      configYaml: 'bmc:\n  fanout: 0\n',
      password: 'do-not-print-me',
    });
    const before = await treeHash(dir);
    const r = await runRacker(['factory', 'check', '--config', rack.configPath], {});
    expect(r.code).to.equal(1);
    const csv = join(rack.oemDir, 'nodes.csv');
    expect(r.stdout).to.equal([
      `✗ ${rack.configPath}:8: bmc.fanout: Too small: expected number to be >=1`,
      `✗ ${csv}:3: BMC MAC address: "00:11:22:33:44:1" is not a MAC address (expected six hex pairs separated by : or -, like 00:11:22:33:44:55)`,
      `✗ ${csv}:4: BMC MAC address: 00:11:22:33:44:10 is already used on line 3 (Primary MAC address); every MAC must be unique`,
      '✗ 3 problems found; nothing was changed',
      '',
    ].join('\n'));
    expect(r.stderr).to.equal('');
    expect(`${r.stdout}${r.stderr}`).not.to.match(/\n\s+at /); // no stack trace
    expect(`${r.stdout}${r.stderr}`).not.to.contain('do-not-print-me');
    expect(await treeHash(dir)).to.equal(before);
  });

  it('reports machine-readable results with --json', async () => {
    const rack = await writeFakeRack(dir, { user: null });
    const r = await runRacker(['factory', 'check', '--json'], rack.env);
    expect(r.code).to.equal(1);
    const report = JSON.parse(r.stdout) as { valid: boolean; problems: { file: string; message: string }[] };
    expect(report.valid).to.equal(false);
    expect(report.problems).to.deep.equal([{ file: join(rack.oemDir, 'ipmi_user'), message: 'is missing; it must hold the BMC user name', hint: `write it with: racker factory (or printf '%s' VALUE > ${join(rack.oemDir, 'ipmi_user')}; chmod 600 ${join(rack.oemDir, 'ipmi_user')})` }]);
  });

  it('shows warnings without failing', async () => {
    const rack = await writeFakeRack(dir, { passwordMode: 0o640 });
    const { chmod } = await import('node:fs/promises');
    await chmod(join(rack.oemDir, 'ipmi_password'), 0o640);
    const r = await runRacker(['factory', 'check'], rack.env);
    expect(r.code).to.equal(0);
    expect(r.stdout).to.contain(`! ${join(rack.oemDir, 'ipmi_password')}: is readable by its group (mode 0640)\n    fix: chmod 600 ${join(rack.oemDir, 'ipmi_password')}`);
    expect(r.stdout).to.contain('✓ the rack metadata is valid (1 warning)');
  });

  it('fails cleanly when the named configuration file does not exist', async () => {
    const r = await runRacker(['factory', 'check', '--config', join(dir, 'nope.yaml')]);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.equal(`racker: configuration file ${join(dir, 'nope.yaml')} does not exist\nhint: check --config or RACKER_CONFIG\n`);
  });

  it('reads the OEM directory from RACKER_OEM_DIR when there is no configuration file', async () => {
    const rack = await writeFakeRack(dir);
    await writeFile(join(rack.oemDir, 'nodes.csv'), '');
    const r = await runRacker(['factory', 'check'], { RACKER_OEM_DIR: rack.oemDir, RACKER_ETC_DIR: join(dir, 'no-etc'), RACKER_SYS_CLASS_NET: rack.sysClassNet });
    expect(r.code).to.equal(1);
    expect(r.stdout).to.contain(`✗ ${join(rack.oemDir, 'nodes.csv')}: the file is empty`);
  });

  it('exits 2 on usage errors and 0 on --help', async () => {
    expect((await runRacker(['factory', 'check', '--bogus'])).code).to.equal(2);
    expect((await runRacker(['factory', 'bogus'])).code).to.equal(2);
    expect((await runRacker(['no-such-command'])).code).to.equal(2);
    expect((await runRacker([])).code).to.equal(2);
    const help = await runRacker(['--help']);
    expect(help.code).to.equal(0);
    expect(help.stdout).to.match(/^usage: racker <command>/);
    expect((await runRacker(['factory', 'check', '--help'])).code).to.equal(0);
  });
});
