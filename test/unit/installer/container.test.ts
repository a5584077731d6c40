import { expect } from 'chai';
import { checkContainerEscape } from '../../../installer/extractor/container.js';
import { fakeExec } from '../../lib/fake-exec.js';
import { CommandFailedError } from '../../../agent/lib/errors.js';

const probe = (ns: Record<string, string | Error>, nsenter: 'ok' | 'fail') => ({
  readlink: async (p: string) => {
    const v = ns[p];
    if (v instanceof Error) throw v;
    return v as string;
  },
  exec: fakeExec(() => (nsenter === 'ok' ? {} : new CommandFailedError('nsenter', 1, 'nsenter: reassociate to namespace \'ns/mnt\' failed: Operation not permitted'))).exec,
});

async function failure(p: ReturnType<typeof probe>): Promise<Error | undefined> {
  try {
    await checkContainerEscape(p, 'quay.io/x/racker:1.0.0');
    return undefined;
  } catch (e) {
    return e as Error;
  }
}

describe('installer container escape check', () => {
  const host = { '/proc/self/ns/mnt': 'mnt:[4026532300]', '/proc/1/ns/mnt': 'mnt:[4026531841]' };

  it('passes with the host\'s PID 1 and the privilege to enter it', async () => {
    expect(await failure(probe(host, 'ok'))).to.equal(undefined);
  });

  it('without --pid host (PID 1 is in our mount namespace), stops with the exact docker run line', async () => {
    const e = await failure(probe({ ...host, '/proc/1/ns/mnt': 'mnt:[4026532300]' }, 'ok'));
    expect(e?.message).to.contain('--pid host is missing');
    expect(e?.message).to.contain('Run the image like this: docker run --rm --privileged --pid host quay.io/x/racker:1.0.0');
  });

  it('without --privileged (nsenter or reading PID 1\'s namespaces is refused), stops with the same line', async () => {
    const e1 = await failure(probe(host, 'fail'));
    expect(e1?.message).to.contain('--privileged is missing');
    expect(e1?.message).to.contain('docker run --rm --privileged --pid host quay.io/x/racker:1.0.0');
    const e2 = await failure(probe({ ...host, '/proc/1/ns/mnt': Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }) }, 'ok'));
    expect(e2?.message).to.contain('cannot read PID 1\'s namespaces');
    expect((e2 as { code?: string }).code).to.equal('RACKER_E_CONTAINER');
  });
});
