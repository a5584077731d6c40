/**
 * `racker ipmi NODE console` with racker's own SOL (bmc/ipmi/sol-console.ts): this terminal in raw
 * mode, keys to the BMC, the server's serial output to the screen, `~.` detaches. No ipmitool, so
 * it works on Flatcar and from the payload as installed.
 */
import { UdpTransport } from '../bmc/ipmi/transport.js';
import { LanplusSession } from '../bmc/ipmi/session.js';
import { SolConsole } from '../bmc/ipmi/sol-console.js';
import type { NodeBmc } from '../bmc/targets.js';
import type { BmcSettings } from '../config/sections/bmc.js';
import type { Logger } from '../lib/log.js';
import type { CliContext } from '../cli-kit/context.js';
import { ConsoleEscape } from './console-escape.js';

export const DETACH_HINT = 'detach with ~. at the start of a line (~~. through one SSH hop, ~~~. through two)';

export async function runSolConsole(n: NodeBmc, settings: Pick<BmcSettings, 'timeoutMs' | 'retries' | 'retransmitMs' | 'keepAliveMs'>, ctx: CliContext, log: Logger): Promise<number> {
  const transport = new UdpTransport(log);
  const session = new LanplusSession(n.target, { cipherSuites: n.cipherSuites, timeoutMs: settings.timeoutMs, retries: settings.retries, retransmitMs: settings.retransmitMs }, transport, log);
  const sol = new SolConsole(session, n.target, { retransmitMs: settings.retransmitMs, retries: Math.max(3, settings.retries), keepAliveMs: settings.keepAliveMs }, (d) => ctx.stdout.write(d), log);
  const stdin = ctx.stdin as NodeJS.ReadStream;
  try {
    await sol.open();
    ctx.stderr.write(`[SOL session operational on ${n.target.node}; ${DETACH_HINT}]\r\n`);
    const escape = new ConsoleEscape();
    let detached: () => void = () => undefined;
    const userDetached = new Promise<void>((resolve) => { detached = resolve; });
    const onData = (typed: Buffer): void => {
      const { send, detach } = escape.feed(typed);
      if (send.length > 0) sol.send(send);
      if (detach) detached();
    };
    if (stdin.isTTY === true) stdin.setRawMode(true);
    stdin.on('data', onData);
    stdin.once('end', () => detached()); // input closed (a pipe): nothing more to type
    stdin.resume();
    try {
      const end = await Promise.race([sol.ended, userDetached.then(() => ({ error: undefined }))]);
      if (end.error !== undefined) throw end.error;
    } finally {
      stdin.off('data', onData);
      if (stdin.isTTY === true) stdin.setRawMode(false);
      stdin.pause();
    }
    ctx.stderr.write('\r\n[SOL session closed]\r\n');
    return 0;
  } finally {
    await sol.close();
    await transport.close();
  }
}
