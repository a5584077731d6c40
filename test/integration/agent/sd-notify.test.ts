import { expect } from 'chai';
import { join } from 'node:path';
import { SdNotifier } from '../../../agent/daemon/sd-notify.js';
import { sendDatagram, notifySocketAddress } from '../../../agent/daemon/notify-socket.js';
import { NotifyListener } from '../../lib/notify-listener.js';
import { captureLog } from '../../lib/capture-log.js';
import { makeTempDir, removeTempDir } from '../../lib/temp-dir.js';

describe('daemon/sd-notify against a real datagram socket', () => {
  let dir: string | undefined;
  let listener: NotifyListener | undefined;

  beforeEach(async () => { dir = await makeTempDir(); });
  afterEach(async () => {
    await listener?.stop();
    listener = undefined;
    await removeTempDir(dir);
  });

  it('delivers to a socket path', async () => {
    listener = await NotifyListener.start(join(dir as string, 'notify.sock'));
    const n = new SdNotifier({ env: { NOTIFY_SOCKET: listener.address }, log: captureLog().log });
    n.ready('2 nodes');
    n.stopping();
    await listener.waitFor((d) => d.startsWith('STOPPING=1'));
    expect(listener.datagrams).to.deep.equal(['READY=1\nSTATUS=2 nodes\n', 'STOPPING=1\n']);
  });

  it('delivers to an abstract-namespace address', async () => {
    const name = `@racker-test/notify/${process.pid}/${Date.now()}`;
    listener = await NotifyListener.start(name);
    const n = new SdNotifier({ env: { NOTIFY_SOCKET: name }, log: captureLog().log });
    n.watchdog();
    expect(await listener.waitFor(() => true)).to.equal('WATCHDOG=1\n');
  });

  it('reports a missing socket as ENOENT without throwing from the notifier', () => {
    const path = join(dir as string, 'absent.sock');
    expect(() => sendDatagram(notifySocketAddress(path) as Buffer, Buffer.from('READY=1\n'))).to.throw(/ENOENT/);
    const cap = captureLog();
    new SdNotifier({ env: { NOTIFY_SOCKET: path }, log: cap.log }).ready();
    expect(cap.lines.some((l) => l.msg === 'could not notify systemd')).to.equal(true);
  });
});
