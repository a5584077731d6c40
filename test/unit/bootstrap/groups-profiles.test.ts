import { expect } from 'chai';
import { nodeBootData, installKernelArgs } from '../../../bootstrap/groups-profiles.js';
import { endpoints } from '../../../bootstrap/endpoints.js';
import type { MatchboxGroup } from '../../../bootstrap/ports.js';
import { fakePlan } from '../../lib/bootstrap-fixtures.js';

const e = endpoints('172.24.213.1', 8080);
const o = { flatcarVersion: '4081.2.0', console: ['console=ttyS1,115200n8'], kernelArgs: ['nomodeset'] };
const cfg = { ignition: { version: '3.3.0' } };

/** matchbox's SelectGroup (matchbox-api.md §2.5): most selector keys wins, ties by reverse selector string. */
function select(groups: MatchboxGroup[], labels: Record<string, string>): MatchboxGroup | undefined {
  const str = (g: MatchboxGroup): string => Object.entries(g.selector ?? {}).map(([k, v]) => `${k}=${v}`).sort().join(',');
  const sorted = [...groups].sort((a, b) => Object.keys(b.selector ?? {}).length - Object.keys(a.selector ?? {}).length || str(b).localeCompare(str(a)));
  return sorted.find((g) => Object.entries(g.selector ?? {}).every(([k, v]) => labels[k] === v));
}

describe('matchbox groups and profiles', () => {
  const plan = fakePlan(['a', 'b']);
  const data = nodeBootData(plan.nodes[0]!, e, o, cfg, cfg);

  it('PXE-boots Flatcar from our assets with the installer Ignition URL, first boot and the console', () => {
    const install = data.profiles.find((p) => p.id === 'racker-install-020000000100');
    expect(install?.boot).to.deep.equal({
      kernel: '/assets/flatcar/4081.2.0/flatcar_production_pxe.vmlinuz',
      initrd: ['/assets/flatcar/4081.2.0/flatcar_production_pxe_image.cpio.gz'],
      args: ['initrd=flatcar_production_pxe_image.cpio.gz', 'ignition.config.url=http://172.24.213.1:8080/ignition?mac=${mac:hexhyp}', 'flatcar.first_boot=yes', 'console=ttyS1,115200n8', 'nomodeset'],
    });
    expect(install?.ignition_id).to.equal('racker-install-020000000100.ign');
    expect(installKernelArgs(e, { ...o, console: [] })).to.not.include('console=ttyS1,115200n8');
  });

  it('selects the install group by MAC and the installed group by MAC and os=installed', () => {
    const other = nodeBootData(plan.nodes[1]!, e, o, cfg, cfg);
    const groups = [...data.groups, ...other.groups];
    expect(select(groups, { mac: '02:00:00:00:01:00' })?.profile).to.equal('racker-install-020000000100');
    expect(select(groups, { mac: '02:00:00:00:01:00', os: 'installed', uuid: 'x' })?.profile).to.equal('racker-installed-020000000100');
    expect(select(groups, { mac: '02:00:00:00:02:00', os: 'installed' })?.profile).to.equal('racker-installed-020000000200');
    expect(select(groups, { mac: '02:00:00:00:09:00' })).to.equal(undefined);
  });

  it('writes the installed profile without a boot section and each Ignition once', () => {
    expect(data.profiles.find((p) => p.id === 'racker-installed-020000000100')).to.deep.equal({ id: 'racker-installed-020000000100', name: 'racker: node-01 installed', ignition_id: 'racker-installed-020000000100.ign' });
    expect(data.ignition.map((i) => i.name)).to.deep.equal(['racker-install-020000000100.ign', 'racker-installed-020000000100.ign']);
  });
});
