import { expect } from 'chai';
import { UsageError, errorMessage } from '../../../agent/lib/errors.js';
import { resolveAnswers, type Prompter, type QuestionContext, type ResolveInput } from '../../../bootstrap/questions.js';

const ctx: QuestionContext = { nodeTypes: ['vm', 'vm', 'vm', 'big'], defaultDomain: 'rack.localdomain', defaultSubnet: '172.24.213.0/24', defaultSshKeys: [] };
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHn7p6SH2Z9mR1oGqZpXkq3Jm0ZbWq1dYp6sQ3oG9xJ3 op@example';
const input = (over: Partial<ResolveInput>): ResolveInput => ({ flags: {}, saved: {}, yes: false, reconfigure: false, prompter: undefined, ctx, ...over });

/** Answers prompts from a script and records what was asked. */
function scripted(replies: Record<string, string[]>): Prompter & { asked: string[]; errors: string[] } {
  const asked: string[] = [];
  const errors: string[] = [];
  return {
    asked, errors,
    async ask(q, _options, _def, error) {
      asked.push(q.flag);
      if (error !== undefined) errors.push(`${q.flag}: ${error}`);
      const next = replies[q.flag]?.shift();
      return next ?? '';
    },
  };
}

describe('bootstrap questions', () => {
  it('takes every default with --yes, HA when three nodes qualify', async () => {
    const r = await resolveAnswers(input({ yes: true, flags: { provision: 'kubernetes' } }));
    expect(r.answers).to.deep.equal({ provision: 'kubernetes', clusterName: 'racker', controllerType: 'any', controllers: 3, publicAddressing: 'dhcp', domain: 'rack.localdomain', internalSubnet: '172.24.213.0/24', sshKeys: [] });
    expect(r.sources.provision).to.equal('flag');
    expect(r.sources.controllers).to.equal('default');
    const flat = await resolveAnswers(input({ yes: true }));
    expect(flat.answers).to.not.have.property('controllers');
  });

  it('defaults to one controller when fewer than three nodes have the type', async () => {
    const r = await resolveAnswers(input({ yes: true, flags: { provision: 'kubernetes', 'controller-type': 'big' } }));
    expect(r.answers.controllers).to.equal(1);
    await resolveAnswers(input({ yes: true, flags: { provision: 'kubernetes', 'controller-type': 'big', controllers: '3' } }))
      .then(() => expect.fail('resolved'), (e: unknown) => expect(errorMessage(e)).to.equal('--controllers: 3 controllers need 3 nodes of type "big", the rack has 1'));
  });

  it('rejects bad flag values and flags that do not apply, instead of ignoring them', async () => {
    const reject = async (flags: Record<string, string>): Promise<string> => resolveAnswers(input({ yes: true, flags })).then(() => 'resolved', (e: unknown) => { expect(e).to.be.instanceOf(UsageError); return errorMessage(e); });
    expect(await reject({ provision: 'lokomotive' })).to.equal('--provision: "lokomotive" is not one of flatcar, kubernetes');
    expect(await reject({ controllers: '3' })).to.equal('--controllers does not apply here (it needs --provision kubernetes)');
    expect(await reject({ 'static-addresses': '/x.yaml' })).to.equal('--static-addresses does not apply here (it needs --public-addressing static)');
    expect(await reject({ 'internal-subnet': '10.0.0.0/8' })).to.equal('--internal-subnet: /8 is outside the supported /16 to /28');
    expect(await reject({ 'controller-type': 'gpu', provision: 'kubernetes' })).to.contain('no node has type "gpu"; the types in nodes.csv are vm, big');
    expect(await reject({ 'ssh-key': 'not a key' })).to.contain('is not an OpenSSH public key');
  });

  it('asks only what flags and saved answers leave open, and re-asks until valid', async () => {
    const p = scripted({ 'cluster-name': ['Bad_Name', 'prod'], 'public-addressing': ['static'], 'static-addresses': ['relative.yaml', '/etc/racker/public.yaml'] });
    const r = await resolveAnswers(input({ prompter: p, flags: { provision: 'flatcar' }, saved: { domain: 'saved.example.com', internalSubnet: '172.24.213.0/24', sshKeys: [KEY] } }));
    expect(p.asked).to.deep.equal(['cluster-name', 'cluster-name', 'public-addressing', 'static-addresses', 'static-addresses']);
    expect(p.errors).to.have.length(2);
    expect(r.answers).to.include({ clusterName: 'prod', publicAddressing: 'static', staticAddressesFile: '/etc/racker/public.yaml', domain: 'saved.example.com', internalSubnet: '172.24.213.0/24' });
    expect(r.sources.domain).to.equal('saved');
  });

  it('asks again for a saved internal subnet the agent no longer serves (network.subnet changed)', async () => {
    const full = { provision: 'flatcar' as const, clusterName: 'prod', publicAddressing: 'dhcp' as const, domain: 'rack.localdomain', internalSubnet: '10.9.0.0/24', sshKeys: [KEY] };
    const r = await resolveAnswers(input({ yes: true, saved: full }));
    expect(r.answers.internalSubnet).to.equal('172.24.213.0/24');
    expect(r.sources.internalSubnet).to.equal('default');
  });

  it('asks nothing on a re-run with complete saved answers', async () => {
    const first = await resolveAnswers(input({ yes: true }));
    const p = scripted({});
    const again = await resolveAnswers(input({ prompter: p, saved: first.answers }));
    expect(p.asked).to.deep.equal([]);
    expect(again.answers).to.deep.equal(first.answers);
  });

  it('lets a flag override a saved answer, and asks a question that now applies', async () => {
    const first = await resolveAnswers(input({ yes: true }));
    const p = scripted({ 'controller-type': ['vm'], controllers: [''] });
    const r = await resolveAnswers(input({ prompter: p, saved: first.answers, flags: { provision: 'kubernetes' } }));
    expect(p.asked).to.deep.equal(['controller-type', 'controllers']);
    expect(r.answers).to.include({ provision: 'kubernetes', controllerType: 'vm', controllers: 3 });
  });

  it('without a terminal and without --yes, names every missing flag', async () => {
    const e = await resolveAnswers(input({ flags: { provision: 'flatcar', 'cluster-name': 'x' } })).then(() => undefined, (err: unknown) => err as UsageError);
    expect(e?.message).to.equal('no terminal to ask on, and 4 answers are missing: --public-addressing, --domain, --internal-subnet, --ssh-key');
  });
});
