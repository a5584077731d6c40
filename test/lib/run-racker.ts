/** Run bin/racker as a real process and capture what an operator would see. */
import { execa } from 'execa';
import { racker } from './paths.js';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runRacker(args: readonly string[], env: Record<string, string> = {}, input?: string): Promise<RunResult> {
  const r = await execa(racker, [...args], { env: { ...env, NO_COLOR: '1' }, extendEnv: true, reject: false, input, timeout: 60_000, stripFinalNewline: false });
  return { code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}
