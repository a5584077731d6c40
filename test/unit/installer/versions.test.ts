import { expect } from 'chai';
import { compareVersions, isVersion, newest, parseVersion } from '../../../installer/versions.js';

describe('installer versions', () => {
  it('parses MAJOR.MINOR.PATCH with an optional pre-release, and nothing else', () => {
    expect(parseVersion('1.22.3-rc.1')).to.include({ major: 1, minor: 22, patch: 3, pre: 'rc.1' });
    for (const bad of ['1.2', 'v1.2.3', '01.2.3', '1.2.3-', '1.2.3 ', '../1.2.3', '']) expect(isVersion(bad), bad).to.equal(false);
  });

  it('orders by number, not by text, with pre-releases before their release', () => {
    const sorted = ['1.10.0', '1.2.0', '1.2.0-rc.10', '1.2.0-rc.2', '1.2.0-beta', '0.9.9', '2.0.0'].sort(compareVersions);
    expect(sorted).to.deep.equal(['0.9.9', '1.2.0-beta', '1.2.0-rc.2', '1.2.0-rc.10', '1.2.0', '1.10.0', '2.0.0']);
  });

  it('update picks the newest of the same major; upgrade the newest; pre-releases only on request', () => {
    const available = ['1.0.0', '1.4.2', '1.5.0-rc.1', '2.0.0', '2.1.0-beta'];
    expect(newest(available, { sameMajorAs: '1.0.0' })).to.equal('1.4.2');
    expect(newest(available)).to.equal('2.0.0');
    expect(newest(available, { pre: true })).to.equal('2.1.0-beta');
    expect(newest(available, { sameMajorAs: '3.0.0' })).to.equal(undefined);
  });
});
