import { expect } from 'chai';
import { sysextPin, sysextPinProblem } from '../../../bootstrap/kubernetes/sysext.js';

const PINS = { version: 'v1.33.2', sysextUrl: 'https://extensions.example/kubernetes-{version}-x86-64.raw', sysextSha256: 'a'.repeat(64) };
const settings = { version: 'v1.33.2', sysextUrl: PINS.sysextUrl };

describe('Kubernetes sysext pin', () => {
  it('takes conf.yaml\'s digest for the pinned version from any source, the configured one first', () => {
    expect(sysextPin(settings, PINS)).to.deep.equal({
      version: 'v1.33.2', file: 'kubernetes-v1.33.2-x86-64.raw', source: { kind: 'url', url: 'https://extensions.example/kubernetes-v1.33.2-x86-64.raw' },
      sha256: 'a'.repeat(64), pinnedBy: 'conf.yaml pins.kubernetes.sysextSha256 (v1.33.2)',
    });
    // A mirror or a local copy of the same version: the digest still says which bytes are right.
    expect(sysextPin({ ...settings, sysextUrl: 'http://mirror.site/k8s/kubernetes-{version}-x86-64.raw' }, PINS).sha256).to.equal('a'.repeat(64));
    expect(sysextPin({ ...settings, sysextLocalDir: '/srv/sysext' }, PINS)).to.deep.include({ source: { kind: 'dir', path: '/srv/sysext/kubernetes-v1.33.2-x86-64.raw' }, sha256: 'a'.repeat(64) });
    expect(sysextPin({ ...settings, sysextSha256: 'b'.repeat(64) }, PINS)).to.deep.include({ sha256: 'b'.repeat(64), pinnedBy: 'bootstrap.kubernetes.sysextSha256' });
  });

  it('pins nothing for another version unless configured, and says so as a plan problem naming the setting', () => {
    const other = sysextPin({ ...settings, version: 'v1.34.1' }, PINS);
    expect(other.sha256).to.equal(undefined);
    expect(sysextPinProblem(other, PINS, '/etc/racker/racker.yaml')).to.deep.include({
      file: '/etc/racker/racker.yaml', field: 'bootstrap.kubernetes.sysextSha256',
      message: 'the Kubernetes version v1.34.1 is not the pinned v1.33.2, so racker\'s pin does not apply: nodes would run an unverified kubernetes-v1.34.1-x86-64.raw',
    });
    const unreleased = { version: PINS.version, sysextUrl: PINS.sysextUrl };
    expect(sysextPinProblem(sysextPin(settings, unreleased), unreleased, 'racker.yaml')?.message).to.equal('this racker release pins no sha256 for the Kubernetes v1.33.2 system extension (conf.yaml pins.kubernetes.sysextSha256, which the release step fills in): nodes would run an unverified kubernetes-v1.33.2-x86-64.raw');
    expect(sysextPinProblem(sysextPin(settings, PINS), PINS, 'racker.yaml')).to.equal(undefined);
  });
});
