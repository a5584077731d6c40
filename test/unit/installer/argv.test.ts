/** Every program the installer runs, by value. */
import { expect } from 'chai';
import { tarCreateArgs, tarExtractArgs, payloadFileName } from '../../../installer/archive.js';
import { nsenterArgs } from '../../../installer/extractor/host.js';
import { systemctlArgs } from '../../../installer/extractor/service-manager.js';
import { dockerRunLine } from '../../../installer/extractor/container.js';
import { imageArgs, imageTag } from '../../../installer/sources/image-source.js';

describe('installer argument lists', () => {
  it('tar packs reproducibly: sorted, mtime 0, owner 0, normalised modes', () => {
    expect(tarCreateArgs('/stage', '/out.tar')).to.deep.equal(['--create', '--file', '/out.tar', '--directory', '/stage',
      '--format=gnu', '--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner',
      '--mode=u+rwX,go+rX,go-w', '--hard-dereference', '--no-acls', '--no-xattrs', '--no-selinux', '.']);
    expect(tarExtractArgs('/p.tar.gz', '/d')).to.deep.equal(['--extract', '--gzip', '--file', '/p.tar.gz', '--directory', '/d', '--no-same-owner', '--no-acls', '--no-xattrs', '--no-selinux']);
    expect(payloadFileName('1.2.3')).to.equal('racker-1.2.3-linux-x64.tar.gz');
  });

  it('nsenter enters PID 1\'s namespaces and runs the program after --', () => {
    expect(nsenterArgs('systemctl', ['is-active', 'x'])).to.deep.equal(['--target', '1', '--mount', '--uts', '--ipc', '--net', '--pid', '--', 'systemctl', 'is-active', 'x']);
  });

  it('systemctl', () => {
    expect(systemctlArgs.isActive('racker-agent.service')).to.deep.equal(['is-active', 'racker-agent.service']);
    expect(systemctlArgs.restart('u')).to.deep.equal(['restart', 'u']);
    expect(systemctlArgs.daemonReload()).to.deep.equal(['daemon-reload']);
  });

  it('the installer image, run by hand, runs privileged in the host PID namespace, and says exactly so when it is not; racker update only creates and copies', () => {
    expect(imageArgs.create('sha256:ab')).to.deep.equal(['create', 'sha256:ab']);
    expect(imageArgs.copyOut('c1', '/racker/payload.tar.gz', '/tmp/p')).to.deep.equal(['cp', 'c1:/racker/payload.tar.gz', '/tmp/p']);
    expect(dockerRunLine('quay.io/x/racker:1.2.3')).to.equal('docker run --rm --privileged --pid host quay.io/x/racker:1.2.3');
    expect(dockerRunLine(undefined)).to.equal('docker run --rm --privileged --pid host IMAGE');
    expect(imageArgs.version('r:1')).to.deep.equal(['image', 'inspect', '--format', '{{ index .Config.Labels "org.opencontainers.image.version" }}', 'r:1']);
  });

  it('image tags: update → the current major, upgrade → latest, get → the version', () => {
    expect(imageTag({ kind: 'update', current: '3.4.5' })).to.equal('3');
    expect(imageTag({ kind: 'upgrade' })).to.equal('latest');
    expect(imageTag({ kind: 'get', version: '1.0.0' })).to.equal('1.0.0');
  });
});
