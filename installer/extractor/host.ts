/**
 * The host racker is installed on, as the extractor sees it. Run with `--root DIR` (tests,
 * chroots, `racker get` on the host itself with DIR=/), host paths are under DIR and programs run
 * directly. Run in the installer image, the host's file system is reached through
 * `/proc/1/root` (PID 1 is the host's init thanks to `--pid host`) and programs run in PID 1's
 * namespaces through nsenter, so they see the host as it is.
 */
import { join } from 'node:path';
import type { Exec } from '../../agent/lib/exec.js';

export interface Host {
  /** A host path (e.g. /opt/racker) as this process reaches it. */
  path(hostPath: string): string;
  /** A host path as a program started through `exec` sees it. */
  execPath(hostPath: string): string;
  /** Run a program on the host. */
  exec: Exec;
  /** For messages: where the host is. */
  describe: string;
}

/** The host under a directory (`/` for the machine we run on). */
export function rootHost(root: string, exec: Exec): Host {
  return {
    path: (p) => join(root, p),
    execPath: (p) => join(root, p),
    exec,
    describe: root === '/' ? 'this machine' : `root ${root}`,
  };
}

/** nsenter arguments that run `file args` in PID 1's mount, UTS, IPC, network and PID namespaces. */
export function nsenterArgs(file: string, args: readonly string[]): string[] {
  return ['--target', '1', '--mount', '--uts', '--ipc', '--net', '--pid', '--', file, ...args];
}

/** The host seen from inside a privileged container sharing the host's PID namespace. */
export function containerHost(exec: Exec): Host {
  return {
    path: (p) => join('/proc/1/root', p),
    execPath: (p) => p,
    exec: (file, args, options) => exec('nsenter', nsenterArgs(file, args), options),
    describe: 'the host (from the installer container)',
  };
}
