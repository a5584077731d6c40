import { expect } from 'chai';
import { ValidationError } from '../../../agent/lib/errors.js';
import { activeNodes } from '../../../bootstrap/plan.js';
import { fakePlan, nodeMac } from '../../lib/bootstrap-fixtures.js';

const problemsOf = (fn: () => unknown): ValidationError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
  throw new Error('expected a ValidationError');
};

describe('bootstrap plan', () => {
  it('gives every node role "node", its inventory name, fqdn and addresses with Flatcar', () => {
    const plan = fakePlan(['red', 'red', 'blue']);
    expect(plan.nodes.map((n) => [n.role, n.hostname, n.fqdn, n.internalAddress, n.bmcAddress])).to.deep.equal([
      ['node', 'node-01', 'node-01.rack.example.com', '172.24.213.2', '172.24.213.5'],
      ['node', 'node-02', 'node-02.rack.example.com', '172.24.213.3', '172.24.213.6'],
      ['node', 'node-03', 'node-03.rack.example.com', '172.24.213.4', '172.24.213.7'],
    ]);
    expect(plan.managementAddress).to.equal('172.24.213.1');
    expect(plan.apiName).to.equal(undefined);
    expect(plan.nodes.every((n) => n.public === undefined)).to.equal(true);
  });

  it('draws controllers by exact node type, in file order, the first one initialising', () => {
    const plan = fakePlan(['vma', 'vm', 'worker', 'vm', 'vm', 'vm'], { provision: 'kubernetes', controllers: 3, controllerType: 'vm' });
    expect(plan.nodes.map((n) => n.role)).to.deep.equal(['worker', 'controller', 'worker', 'controller', 'controller', 'worker']);
    expect(plan.nodes.filter((n) => n.initController).map((n) => n.hostname)).to.deep.equal(['node-02']);
    expect(plan.apiName).to.equal('racker.rack.example.com');
  });

  it('matches the controller type case-insensitively but never as a substring', () => {
    const plan = fakePlan(['VM', 'vma'], { provision: 'kubernetes', controllers: 1, controllerType: 'vm' });
    expect(plan.nodes.map((n) => n.role)).to.deep.equal(['controller', 'worker']);
  });

  it('draws from every node with type any', () => {
    const plan = fakePlan(['a', 'b', 'c', 'd'], { provision: 'kubernetes', controllers: 3, controllerType: 'any' });
    expect(plan.nodes.map((n) => n.role)).to.deep.equal(['controller', 'controller', 'controller', 'worker']);
  });

  it('fails naming the type and the lines found when too few nodes match', () => {
    const e = problemsOf(() => fakePlan(['vm', 'vma', 'vm'], { provision: 'kubernetes', controllers: 3, controllerType: 'vm' }));
    expect(e.code).to.equal('RACKER_E_PLAN');
    expect(e.message).to.contain('3 controllers of type "vm" needed, 2 found').and.contain('lines 2, 4');
  });

  it('excludes by any MAC or host name, exactly, and keeps excluded nodes out of the controllers', () => {
    const plan = fakePlan(['vm', 'vm', 'vm', 'vm', 'vm'], { provision: 'kubernetes', controllers: 3, controllerType: 'vm' },
      { exclude: ['02:00:00:00:01:01', 'NODE-03'] });
    expect(plan.nodes.map((n) => [n.hostname, n.role, n.excludedBy])).to.deep.equal([
      ['node-01', 'worker', '02:00:00:00:01:01'], ['node-02', 'controller', undefined],
      ['node-03', 'worker', 'NODE-03'], ['node-04', 'controller', undefined], ['node-05', 'controller', undefined],
    ]);
    expect(activeNodes(plan).map((n) => n.hostname)).to.deep.equal(['node-02', 'node-04', 'node-05']);
    // Internal addresses stay the same whether or not a node is excluded.
    expect(plan.nodes.map((n) => n.internalAddress)).to.deep.equal(fakePlan(['vm', 'vm', 'vm', 'vm', 'vm']).nodes.map((n) => n.internalAddress));
  });

  it('rejects an exclude token that names no node, a substring, or the management node', () => {
    const e = problemsOf(() => fakePlan(['a', 'b'], {}, { exclude: ['node-0', '02:00:00:00:09:00', '02:00:00:00:00:02'] }));
    expect(e.problems.map((p) => [p.file, p.field, p.message])).to.deep.equal([
      ['--exclude', 'node-0', 'no node has this host name'],
      ['--exclude', '02:00:00:00:09:00', 'no node has this MAC'],
      ['--exclude', '02:00:00:00:00:02', 'is the management node, which is never provisioned'],
    ]);
  });

  it('fails when everything is excluded', () => {
    const e = problemsOf(() => fakePlan(['a'], {}, { exclude: ['node-01'] }));
    expect(e.message).to.contain('no node is left to provision');
  });

  it('attaches static public addressing by secondary MAC', () => {
    const s = { addresses: [{ family: 4 as const, address: '203.0.113.10', prefix: 24, cidr: '203.0.113.10/24' }], gateway4: '203.0.113.1', dns: ['203.0.113.53'] };
    const plan = fakePlan(['a', 'b'], { publicAddressing: 'static', staticAddressesFile: '/etc/racker/public.yaml' }, { staticAddresses: new Map([[nodeMac(2, 2), s]]) });
    expect(plan.nodes.map((n) => n.public)).to.deep.equal([undefined, s]);
  });
});
