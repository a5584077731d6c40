import { expect } from 'chai';
import { parseConfig } from '../../../agent/config/parse.js';
import { errorMessage } from '../../../agent/lib/errors.js';

describe('installer configuration section', () => {
  it('defaults: root /, keep three versions, hold locksmithd and update-engine, no source', () => {
    const c = parseConfig('', undefined, {}).installer;
    expect(c).to.deep.include({ root: '/', keepVersions: 3, agentUnit: 'racker-agent.service', systemctl: 'systemctl' });
    expect(c.rebootHolders).to.deep.equal(['locksmithd.service', 'update-engine.service']);
    expect(c.source).to.equal(undefined);
  });

  it('accepts a tarball source (path or URL) and an image source', () => {
    const t = parseConfig('installer:\n  source: {type: tarball, location: "https://r.example/racker/", keyring: /etc/racker/k.pgp}\n', 'c.yaml', {}).installer.source;
    expect(t).to.deep.include({ type: 'tarball', location: 'https://r.example/racker/' });
    const i = parseConfig('installer:\n  source: {type: image, image: quay.io/x/racker, keyring: /etc/racker/release.pgp}\n', 'c.yaml', {}).installer.source;
    expect(i).to.deep.equal({ type: 'image', image: 'quay.io/x/racker', runtime: 'auto', keyring: '/etc/racker/release.pgp' });
  });

  it('reports a bad source with file, line and setting', () => {
    const text = 'installer:\n  keepVersions: 1\n  source:\n    type: tarball\n    location: relative/dir\n';
    let message = '';
    try {
      parseConfig(text, 'racker.yaml', {});
    } catch (e) {
      message = errorMessage(e);
    }
    expect(message).to.contain('racker.yaml:2: installer.keepVersions:');
    expect(message).to.contain('racker.yaml:5: installer.source.location: must be an absolute path or an http(s):// URL');
    expect(message).to.contain('installer.source.keyring');
  });
});
