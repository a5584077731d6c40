/**
 * The serial-over-LAN console through ipmitool, for nodes pinned to the ipmitool driver (the
 * native console is cli/sol-terminal.ts): drop a dangling SOL session first (a BMC allows
 * one, and a dropped SSH connection leaves it open), then attach `sol activate` to this terminal.
 *
 * This is the one place racker runs a program with the terminal handed over (stdio inherited),
 * which the exec wrapper deliberately does not offer; still no shell, and the password in the
 * environment.
 */
import { execa } from 'execa';
import type { Exec } from '../../lib/exec.js';
import { connectionArgs, Commands, passwordEnv, type IpmitoolConnection } from './args.js';

export interface ConsoleOptions {
  program: string;
  connection: IpmitoolConnection;
  password: string;
  exec: Exec;
}

/** argv of the two steps, pure (tested by value). */
export function solArgs(c: IpmitoolConnection): { deactivate: string[]; activate: string[] } {
  return { deactivate: [...connectionArgs(c, false), ...Commands.solDeactivate], activate: [...connectionArgs(c, false), ...Commands.solActivate] };
}

/** Run the console until the user detaches; returns ipmitool's exit status. */
export async function openConsole(o: ConsoleOptions): Promise<number> {
  const args = solArgs(o.connection);
  // No session to drop is the normal case: ipmitool then exits non-zero, which is fine.
  await o.exec(o.program, args.deactivate, { env: passwordEnv(o.password), okExitCodes: [0, 1], timeoutMs: 30_000 });
  const r = await execa(o.program, args.activate, { stdio: 'inherit', env: passwordEnv(o.password), extendEnv: true, reject: false, shell: false });
  return r.exitCode ?? 1;
}
