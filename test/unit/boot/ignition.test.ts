import { expect } from 'chai';
import { checkIgnition, encodeIgnition, goJsonString, IgnitionError, parseIgnition } from '../../../agent/boot/ignition.js';

const serve = (text: string) => encodeIgnition(parseIgnition(text, 'test.ign').config);

// matchbox/http/ignition_test.go fixtures, verbatim.
const IGN34 = '{"ignition":{"config":{"replace":{"verification":{}}},"proxy":{},"security":{"tls":{}},"timeouts":{},"version":"3.4.0"},"kernelArguments":{},"passwd":{"users":[{"name":"core","sshAuthorizedKeys":["key"]}]},"storage":{},"systemd":{"units":[{"enabled":false,"name":"docker.service"}]}}';
const IGN31 = '{"ignition":{"config":{"replace":{"verification":{}}},"proxy":{},"security":{"tls":{}},"timeouts":{},"version":"3.1.0"},"kernelArguments":{},"passwd":{"users":[{"name":"core","sshAuthorizedKeys":["key"]}]},"storage":{},"systemd":{"units":[{"enabled":false,"name":"docker.service"}]}}';

describe('boot Ignition', () => {
  it('serves a 3.4.0 config byte for byte as matchbox (TestIgnitionHandler_v3_4)', () => {
    expect(serve(IGN34)).to.equal(IGN34);
  });

  it('up-translates 3.1.0 as matchbox does, to 3.3.0 instead of 3.4.0 (TestIgnitionHandler_v3_1)', () => {
    expect(serve(IGN31)).to.equal(IGN34.replace('"3.4.0"', '"3.3.0"'));
  });

  it('prints Go struct order, empty structs, pointer zero values, and drops empty omitempty fields', () => {
    const raw = JSON.stringify({
      storage: { files: [{ mode: 420, path: '/etc/x', overwrite: false, contents: { source: 'data:,a' }, append: [] }],
        disks: [{ device: '/dev/sda', partitions: [{ number: 0, label: 'x' }] }] },
      ignition: { version: '3.3.0' }, passwd: { users: [{ name: 'core', uid: 0 }] },
    });
    expect(serve(raw)).to.equal('{"ignition":{"config":{"replace":{"verification":{}}},"proxy":{},"security":{"tls":{}},"timeouts":{},"version":"3.3.0"},'
      + '"kernelArguments":{},"passwd":{"users":[{"name":"core","uid":0}]},"storage":{"disks":[{"device":"/dev/sda","partitions":[{"label":"x"}]}],'
      + '"files":[{"group":{},"overwrite":false,"path":"/etc/x","user":{},"contents":{"source":"data:,a","verification":{}},"mode":420}]},"systemd":{}}');
  });

  it('escapes strings like Go encoding/json', () => {
    expect(goJsonString('<a href="x">&\u2028\n\t\u0001\b\f')).to.equal('"\\u003ca href=\\"x\\"\\u003e\\u0026\\u2028\\n\\t\\u0001\\b\\f"');
    expect(goJsonString('\ud800x')).to.equal('"\ufffdx"');
  });

  it('drops unknown keys with a warning, as Go does', () => {
    const c = checkIgnition({ ignition: { version: '3.3.0' }, storage: { filez: [] }, extra: 1 }, 'x.ign');
    expect(c.warnings).to.deep.equal(['storage.filez: unknown key ignored', 'extra: unknown key ignored']);
    expect(JSON.stringify(c.config)).to.not.include('filez');
  });

  it('keeps 3.4-only fields in 3.4 configs and drops them from older ones', () => {
    const luks = { luks: [{ name: 'd', discard: true }] };
    expect(encodeIgnition(checkIgnition({ ignition: { version: '3.4.0' }, storage: luks }, 'x').config)).to.include('"discard":true');
    const old = checkIgnition({ ignition: { version: '3.2.0' }, storage: luks }, 'x');
    expect(old.warnings).to.deep.equal(['storage.luks.0.discard: unknown key ignored']);
  });

  it('refuses what would fail on the node, listing every problem', () => {
    const bad = (raw: unknown, re: RegExp) => expect(() => checkIgnition(raw, 'bad.ign')).to.throw(IgnitionError, re);
    bad('x', /JSON object/);
    bad({}, /ignition.version is missing/);
    bad({ ignition: { version: '2.2.0' } }, /"2.2.0" is not supported/);
    bad({ ignition: { version: '3.5.0' } }, /"3.5.0" is not supported/);
    bad({ ignition: { version: '3.3.0' }, storage: { files: [{ path: 'etc/x', mode: 'rw' }] } }, /storage.files.0.mode: expected an integer.*storage.files.0.path: must be an absolute path/);
    bad({ ignition: { version: '3.3.0' }, systemd: { units: [{ name: 'x' }, { name: 'a.service' }, { name: 'a.service' }] } }, /"x" is not a unit name.*a.service is declared twice/);
    bad({ ignition: { version: '3.3.0' }, storage: { links: [{ path: '/a' }] } }, /links.0.target: required/);
    bad({ ignition: { version: '3.3.0' }, passwd: { users: [{ sshAuthorizedKeys: 'k' }] } }, /expected a list/);
    expect(() => parseIgnition('{', 'x.ign')).to.throw(IgnitionError, /x.ign: invalid Ignition config: not JSON/);
  });
});
