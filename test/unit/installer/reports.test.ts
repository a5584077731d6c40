import { expect } from 'chai';
import { renderSwitch } from '../../../installer/extractor/switch-version.js';
import { renderVersionReport } from '../../../agent/cli/version.js';
import { ErrorCodes } from '../../../agent/lib/errors.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../lib/paths.js';

describe('installer reports', () => {
  it('says what a switch did and what to do next', () => {
    expect(renderSwitch({ from: '1.0.0', to: '1.1.0', restarted: true, agentRunning: true, pruned: ['0.9.0'] }, 'racker-agent.service'))
      .to.equal('racker 1.1.0 is now current (was 1.0.0)\nracker-agent.service restarted and ready\nremoved old versions: 0.9.0');
    expect(renderSwitch({ from: undefined, to: '1.0.0', restarted: false, agentRunning: false }, 'racker-agent.service'))
      .to.equal('racker 1.0.0 is now current\nracker-agent.service is not running; start it with: systemctl enable --now racker-agent.service');
  });

  it('racker version: this racker, current and installed, available with what update and upgrade would do', () => {
    expect(renderVersionReport({
      version: '1.1.0',
      installed: { current: '1.1.0', previous: '1.0.0', installed: ['1.0.0', '1.1.0'] },
      available: { source: '/mnt/releases', versions: ['1.0.0', '1.1.0', '1.2.0', '2.0.0'], update: '1.2.0', upgrade: '2.0.0' },
    })).to.equal([
      'racker 1.1.0',
      'current:   1.1.0 (previous: 1.0.0)',
      'installed: 1.0.0, 1.1.0',
      'available from /mnt/releases: 1.0.0, 1.1.0, 1.2.0, 2.0.0',
      '  racker update would install 1.2.0',
      '  racker upgrade would install 2.0.0',
    ].join('\n'));
    expect(renderVersionReport({ version: '1.0.0', installed: { current: undefined, previous: undefined, installed: [] }, problems: ['x'] }))
      .to.equal('racker 1.0.0\ninstalled: none (racker is not installed on this machine)\nnote: x');
  });

  it('the installer\'s error codes are documented in docs/errors.md', () => {
    const doc = readFileSync(join(repoRoot, 'docs', 'errors.md'), 'utf8');
    for (const code of [ErrorCodes.build, ErrorCodes.payload, ErrorCodes.verify, ErrorCodes.install, ErrorCodes.container]) expect(doc).to.contain(`| \`${code}\` |`);
  });
});
