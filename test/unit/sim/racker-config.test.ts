import { expect } from 'chai';
import { parseConfig } from '../../../agent/config/parse.js';
import { rackSpec } from '../../../sim/rack-spec.js';
import { renderRackerConfig } from '../../../sim/racker-config.js';
import { simDirs } from '../../../sim/sim-files.js';

describe('sim/racker-config', () => {
  const spec = rackSpec('rack', 2);
  const dirs = simDirs('/var/lib/racker-sim/rack');

  it('is a valid racker configuration with every path under the rack directory', () => {
    const c = parseConfig(renderRackerConfig(spec, dirs, { pinBmcAddresses: false }), 'racker.yaml', {});
    expect(c.paths).to.deep.equal({ oemDir: dirs.oemDir, etcDir: dirs.etcDir, stateDir: dirs.stateDir, runDir: dirs.runDir, sysClassNet: dirs.sysClassNet });
    expect(c.network.subnet).to.equal('172.24.213.0/24');
    expect(c.bmc.cipherSuites).to.deep.equal([3]);
    expect(c.bmc.nodes).to.deep.equal({});
  });

  it('pins every BMC\'s address when asked', () => {
    const c = parseConfig(renderRackerConfig(spec, dirs, { pinBmcAddresses: true }), 'racker.yaml', {});
    expect(c.bmc.nodes).to.deep.equal(Object.fromEntries(spec.nodes.map((n) => [n.bmcMac, { address: n.bmcAddress, port: 623 }])));
  });

  it('gives the systemd management node racker\'s default paths (its unit runs `racker agent` without --config)', () => {
    const text = renderRackerConfig(spec, undefined, { pinBmcAddresses: false, flatcar: { localDir: '/srv/racker-sim/os/signed', signingKey: '/srv/racker-sim/os/cert.asc', version: '0.0.0' } });
    expect(text).to.not.match(/^paths:/m);
    const c = parseConfig(text, 'racker.yaml', {});
    expect(c.paths).to.deep.equal({ oemDir: '/usr/share/oem', etcDir: '/etc/racker', stateDir: '/var/lib/racker', runDir: '/run/racker', sysClassNet: '/sys/class/net' });
    expect(c.bootstrap.flatcar.localDir).to.equal('/srv/racker-sim/os/signed');
  });
});
