/**
 * One simulated BMC for tests that only need a BMC to answer: OpenIPMI's ipmi_sim on a loopback
 * UDP port with one admin user, its power state answered by a tiny chassis_control script.
 * (racker-sim builds full simulated servers; this is the smallest thing that speaks IPMI.)
 * Started with SIGPIPE ignored and stopped by its PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exec } from '../../agent/lib/exec.js';
import { sleep } from '../../agent/lib/backoff.js';

export async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

export class IpmiSimBmc {
  private child: ChildProcess | undefined;
  port = 0;

  constructor(private readonly dir: string, readonly user: string, readonly password: string) {}

  async start(): Promise<void> {
    await mkdir(join(this.dir, 'state'), { recursive: true });
    this.port = await freeUdpPort();
    const control = join(this.dir, 'chassis-control');
    await writeFile(control, '#!/bin/sh\n[ "$1" = get ] && for w in "$@"; do [ "$w" = power ] && echo power:1; [ "$w" = boot ] && echo boot:default; done\nexit 0\n');
    await chmod(control, 0o755);
    await writeFile(join(this.dir, 'bmc.emu'), 'mc_setbmc 0x20\nmc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr\nmc_enable 0x20\n');
    await writeFile(join(this.dir, 'lan.conf'), [
      'name "racker-factory-test"', 'set_working_mc 0x20', '  startlan 1', `    addr 127.0.0.1 ${this.port}`, '    priv_limit admin',
      '    allowed_auths_callback md5 straight', '    allowed_auths_user md5 straight', '    allowed_auths_operator md5 straight', '    allowed_auths_admin md5 straight',
      '    guid a123456789abcdefa123456789abcdef', '  endlan', `  chassis_control "${control}"`,
      `  user 2 true "${this.user}" "${this.password}" admin 10 md5 straight`, ''].join('\n'));
    const child = spawn('sh', ['-c', 'trap "" PIPE; exec ipmi_sim "$@"', 'ipmi_sim', '-c', join(this.dir, 'lan.conf'), '-f', join(this.dir, 'bmc.emu'), '-s', join(this.dir, 'state'), '-n'],
      { stdio: 'ignore' });
    this.child = child;
    // Ready when it answers; ipmitool is the oracle.
    for (let i = 0; i < 50; i++) {
      const ok = await exec('ipmitool', ['-I', 'lanplus', '-C', '3', '-H', '127.0.0.1', '-p', String(this.port), '-U', this.user, '-E', '-N', '1', '-R', '1', 'mc', 'info'],
        { env: { IPMI_PASSWORD: this.password }, timeoutMs: 5_000 }).then(() => true, () => false);
      if (ok) return;
      if (child.exitCode !== null) throw new Error(`ipmi_sim exited with status ${child.exitCode}`);
      await sleep(100);
    }
    throw new Error(`ipmi_sim did not answer on 127.0.0.1:${this.port}`);
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child?.pid === undefined || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
  }
}
