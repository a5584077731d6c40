import { expect } from 'chai';
import { gunzipSync } from 'node:zlib';
import { translateButane, dataUrl, ButaneError, ButaneUnsupportedError } from '../../../agent/boot/butane.js';
import { renderTemplate } from '../../../agent/boot/template.js';

describe('boot Butane translation', () => {
  it('renders and translates matchbox TestIgnitionHandler_Butane byte for byte (version 3.3.0 instead of 3.4.0)', () => {
    const butane = '\nvariant: flatcar\nversion: 1.1.0\nsystemd:\n  units:\n    - name: {{.uuid}}.service\n      enabled: true\n      contents: {{.pod_network}}\n'
      + '    - name: {{.request.query.foo}}.service\n      enabled: true\n      contents: {{.request.raw_query}}\n';
    const expected = '{"ignition":{"config":{"replace":{"verification":{}}},"proxy":{},"security":{"tls":{}},"timeouts":{},"version":"3.4.0"},"kernelArguments":{},"passwd":{},"storage":{},"systemd":{"units":[{"contents":"10.2.0.0/16","enabled":true,"name":"a1b2c3d4.service"},{"contents":"foo=some-param\\u0026bar=b","enabled":true,"name":"some-param.service"}]}}';
    // fake.Group: selector uuid=a1b2c3d4, metadata pod_network, service_name; request ?foo=some-param&bar=b
    const data = { pod_network: '10.2.0.0/16', service_name: 'etcd2', uuid: 'a1b2c3d4', request: { query: { foo: 'some-param', bar: 'b' }, raw_query: 'foo=some-param&bar=b' } };
    const rendered = renderTemplate('butane.yaml', butane, data);
    expect(translateButane(rendered, 'butane.yaml').json).to.equal(expected.replace('"3.4.0"', '"3.3.0"'));
  });

  it('translates files, directories, links, units with drop-ins, users and groups', () => {
    const y = `variant: flatcar
version: 1.0.0
storage:
  files:
    - path: /opt/installer
      mode: 0500
      contents:
        inline: "hello world"
    - path: /etc/remote
      contents:
        source: https://example.com/x
        verification: { hash: "sha512-00" }
  directories: [{ path: /var/x, mode: 0755, user: { name: core } }]
  links: [{ path: /etc/l, target: /etc/remote, hard: false }]
systemd:
  units:
    - name: a.service
      enabled: true
      dropins: [{ name: 10-x.conf, contents: "[Service]\\n" }]
    - name: b.service
      mask: true
passwd:
  users: [{ name: core, ssh_authorized_keys: [k1], groups: [sudo], password_hash: "$6$x" }]
  groups: [{ name: ops, gid: 1500 }]
kernel_arguments:
  should_exist: [quiet]
`;
    const out = JSON.parse(translateButane(y, 't.yaml').json) as { storage: { files: { mode?: number; contents: unknown }[]; directories: unknown[]; links: unknown[] }; passwd: unknown; systemd: unknown; kernelArguments: unknown };
    expect(out.storage.files[0]).to.deep.equal({ group: {}, path: '/opt/installer', user: {}, contents: { compression: '', source: 'data:,hello%20world', verification: {} }, mode: 0o500 });
    expect(out.storage.files[1]?.contents).to.deep.equal({ source: 'https://example.com/x', verification: { hash: 'sha512-00' } });
    expect(out.storage.directories).to.deep.equal([{ group: {}, path: '/var/x', user: { name: 'core' }, mode: 0o755 }]);
    expect(out.storage.links).to.deep.equal([{ group: {}, path: '/etc/l', user: {}, hard: false, target: '/etc/remote' }]);
    expect(out.systemd).to.deep.equal({ units: [{ dropins: [{ contents: '[Service]\n', name: '10-x.conf' }], enabled: true, name: 'a.service' }, { mask: true, name: 'b.service' }] });
    expect(out.passwd).to.deep.equal({ groups: [{ gid: 1500, name: 'ops' }], users: [{ groups: ['sudo'], name: 'core', passwordHash: '$6$x', sshAuthorizedKeys: ['k1'] }] });
    expect(out.kernelArguments).to.deep.equal({ shouldExist: ['quiet'] });
  });

  it('picks the shortest data URL like Butane', () => {
    expect(dataUrl(Buffer.from('a b,c/d?é'), undefined)).to.deep.equal({ source: 'data:,a%20b%2Cc%2Fd%3F%C3%A9', compression: '' });
    const bin = Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(dataUrl(bin, undefined)).to.deep.equal({ source: `data:;base64,${bin.toString('base64')}`, compression: '' });
    const text = 'repeat me '.repeat(100);
    const gz = dataUrl(Buffer.from(text), undefined);
    expect(gz.compression).to.equal('gzip');
    expect(gunzipSync(Buffer.from(gz.source.replace('data:;base64,', ''), 'base64')).toString()).to.equal(text);
    // Already compressed by the user: never compressed again, compression left as given (not reset to "").
    expect(dataUrl(Buffer.from(text), 'gzip')).to.deep.equal({ source: `data:;base64,${Buffer.from(text).toString('base64')}` });
  });

  it('answers unsupported parts by name (501), not by guessing', () => {
    const unsupported = (y: string, re: RegExp) => expect(() => translateButane(y, 'u.yaml')).to.throw(ButaneUnsupportedError, re);
    unsupported('variant: fcos\nversion: 1.5.0\n', /variant "fcos"/);
    unsupported('variant: flatcar\nversion: 1.2.0-experimental\n', /flatcar version "1.2.0-experimental"/);
    unsupported('variant: flatcar\nversion: 1.1.0\nstorage:\n  disks: [{device: /dev/sda}]\n  filesystems: [{device: /dev/sda1}]\n', /storage.disks, storage.filesystems/);
    unsupported('variant: flatcar\nversion: 1.1.0\nstorage:\n  files: [{path: /a, contents: {local: x}}]\n', /storage.files.0.contents.local/);
    unsupported('variant: flatcar\nversion: 1.1.0\nsystemd:\n  units: [{name: a.service, contents_local: x}]\n', /systemd.units.0.contents_local/);
  });

  it('reports invalid input with the file and the problem', () => {
    const invalid = (y: string, re: RegExp) => expect(() => translateButane(y, 'bad.yaml')).to.throw(ButaneError, re);
    invalid('variant: flatcar\nversion: 1.1.0\nsystemd: [\n', /bad.yaml: not valid YAML/);
    invalid('version: 1.1.0\n', /variant and version are required/);
    invalid('variant: flatcar\nversion: 1.1.0\nstorage:\n  files: [{path: relative}]\n', /must be an absolute path/);
    invalid('variant: flatcar\nversion: 1.1.0\nstorage:\n  files: [{path: /a, contents: {inline: x, source: "https://x"}}]\n', /only one of inline and source/);
    invalid('variant: flatcar\nversion: 1.1.0\nsystemd:\n  units: [{name: a.service, enabled: maybe}]\n', /expected a boolean/);
  });

  it('refuses aliases of aliases (a "billion laughs") as a bad template, at a bounded cost', () => {
    const laughs = ['variant: flatcar', 'version: 1.1.0', 'a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) laughs.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(', ')}]`);
    expect(() => translateButane(`${laughs.join('\n')}\n`, 'laughs.yaml')).to.throw(ButaneError, /laughs.yaml: its aliases \(\*name\) expand too much/);
  });
});
