/**
 * busybox udhcpc as a test DHCP client inside a network namespace. It asks once (-q), gives up
 * after `tries` (-n), and its script saves the environment it gets on "bound": ip, hostname,
 * boot_file, siaddr, router, dns ... (busybox passes each received option as a variable).
 * The script configures nothing, so the interface stays unaddressed unless the test adds one.
 */
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestNetwork } from './netns.js';

export interface DhcpClientOptions {
  /** Option 93 client architecture (0 BIOS, 7 / 9 x86-64 UEFI, 11 arm64). */
  arch?: number;
  /** Option 60, e.g. "PXEClient:Arch:00007:UNDI:003016". */
  vendorClass?: string;
  /** Option 77 as iPXE sends it (raw bytes, not RFC 3004), e.g. "iPXE". */
  userClass?: string;
  /** DISCOVER attempts, one second apart. Default 3. */
  tries?: number;
}

export interface DhcpClientResult {
  /** The variables of the "bound" event; undefined when no lease was obtained. */
  lease: Record<string, string> | undefined;
  output: string;
}

const SCRIPT = '#!/bin/sh\n[ "$1" = bound ] || exit 0\nenv > "$RACKER_TEST_LEASE_FILE"\n';

/** udhcpc's -x/-V arguments for these options. Pure. */
export function udhcpcOptionArgs(o: DhcpClientOptions): string[] {
  const args: string[] = [];
  if (o.arch !== undefined) args.push('-x', `0x5d:${o.arch.toString(16).padStart(4, '0')}`);
  if (o.vendorClass !== undefined) args.push('-V', o.vendorClass);
  if (o.userClass !== undefined) args.push('-x', `0x4d:${Buffer.from(o.userClass).toString('hex')}`);
  return args;
}

export async function requestLease(net: TestNetwork, ns: string, iface: string, workDir: string, o: DhcpClientOptions = {}): Promise<DhcpClientResult> {
  const script = join(workDir, 'udhcpc.script');
  const leaseFile = join(workDir, `lease-${ns}-${iface}.env`);
  await writeFile(script, SCRIPT);
  await chmod(script, 0o755);
  await rm(leaseFile, { force: true });
  const args = ['udhcpc', '-f', '-q', '-n', '-t', String(o.tries ?? 3), '-T', '1', '-A', '1', '-i', iface, '-s', script, ...udhcpcOptionArgs(o)];
  const r = await net.exec(ns, 'busybox', args, { env: { RACKER_TEST_LEASE_FILE: leaseFile }, okExitCodes: [0, 1], timeoutMs: 30_000 });
  const output = r.stdout + r.stderr;
  if (r.exitCode !== 0) return { lease: undefined, output };
  const env = await readFile(leaseFile, 'utf8');
  const lease = Object.fromEntries(env.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  return { lease, output };
}
