import { expect } from 'chai';
import { IPXE_BOOTSTRAP, renderGrub, renderIpxe, renderMetadata, templateData } from '../../../agent/boot/render.js';
import { labelsFromQuery } from '../../../agent/boot/labels.js';
import type { Group } from '../../../agent/boot/select.js';

// matchbox storage/testfakes fake.Profile.Boot
const boot = { kernel: '/image/kernel', initrd: ['/image/initrd_a', '/image/initrd_b'], args: ['a=b', 'c'] };

describe('boot renderers', () => {
  it('/boot.ipxe is matchbox ipxeBootstrap byte for byte', () => {
    expect(IPXE_BOOTSTRAP).to.equal('#!ipxe\nchain ipxe?uuid=${uuid}&mac=${mac:hexhyp}&domain=${domain}&hostname=${hostname}&serial=${serial}&arch=${buildarch:uristring}\n');
  });

  it('/ipxe matches TestIPXEHandler byte for byte', () => {
    expect(renderIpxe(boot)).to.equal('#!ipxe\nkernel /image/kernel a=b c\ninitrd /image/initrd_a\ninitrd /image/initrd_b\nboot\n');
    expect(renderIpxe({ kernel: '/k', initrd: [], args: [] })).to.equal('#!ipxe\nkernel /k\nboot\n');
  });

  it('/ipxe writes iPXE variables and & verbatim', () => {
    const arg = 'flatcar.config.url=http://m:8080/ignition?uuid=${uuid}&mac=${mac:hexhyp}';
    expect(renderIpxe({ kernel: '/k', initrd: [], args: [arg] })).to.equal(`#!ipxe\nkernel /k ${arg}\nboot\n`);
  });

  it('/grub matches TestGrubHandler byte for byte', () => {
    expect(renderGrub(boot)).to.equal(`default=0
fallback=1
timeout=1
menuentry "CoreOS (EFI)" {
echo "Loading kernel"
linuxefi "/image/kernel" a=b c
echo "Loading initrd"
initrdefi  "/image/initrd_a" "/image/initrd_b"
}
menuentry "CoreOS (BIOS)" {
echo "Loading kernel"
linux "/image/kernel" a=b c
echo "Loading initrd"
initrd  "/image/initrd_a" "/image/initrd_b"
}
`);
  });

  it('/metadata has TestMetadataHandler\'s lines, sorted', () => {
    const group: Group = { key: 'test-group', id: 'test-group', name: '', profile: '', selector: { mac: '52:54:00:a1:9c:ae' },
      metadata: { meta: 'data', etcd: { name: 'node1' }, some: { nested: { data: 'some-value' } } } };
    const raw = 'mac=52-54-00-a1-9c-ae&foo=bar&count=3&gate=true';
    expect(renderMetadata(templateData(group, labelsFromQuery(raw), raw))).to.equal([
      'ETCD_NAME=node1', 'MAC=52:54:00:a1:9c:ae', 'META=data', 'REQUEST_QUERY_COUNT=3', 'REQUEST_QUERY_FOO=bar', 'REQUEST_QUERY_GATE=true',
      'REQUEST_QUERY_MAC=52:54:00:a1:9c:ae', 'REQUEST_RAW_QUERY=mac=52-54-00-a1-9c-ae&foo=bar&count=3&gate=true', 'SOME_NESTED_DATA=some-value',
    ].map((l) => `${l}\n`).join(''));
  });

  it('/metadata edge cases: numbers, booleans; lists and nulls left out (TestMetadataHandler_MetadataEdgeCases)', () => {
    const group: Group = { key: 'g', id: 'g', name: '', profile: '', selector: {}, metadata: { num: 3, yes: true, no: false, big: 1e6, list: [1], nil: null } };
    expect(renderMetadata(templateData(group, {}, ''))).to.equal('BIG=1e+06\nNO=false\nNUM=3\nREQUEST_RAW_QUERY=\nYES=true\n');
  });

  it('template data: selectors (lower-cased keys) override metadata; request is always the real request', () => {
    const group: Group = { key: 'g', id: 'g', name: '', profile: '', selector: { OS: 'installed' },
      metadata: { os: 'meta', request: 'spoofed', k: 'v' } };
    expect(templateData(group, { a: '1' }, 'a=1')).to.deep.equal({ os: 'installed', k: 'v', request: { query: { a: '1' }, raw_query: 'a=1' } });
  });
});
