/**
 * Argument lists for dnsmasq, systemctl and journalctl. Pure, tested by value; the supervisor and
 * the systemd backend run them through agent/lib/exec or the child-process wrapper.
 */

/** dnsmasq in the foreground (the supervisor is its parent), logging to stderr for the log parser. */
export function dnsmasqArgs(confFile: string): string[] {
  return ['--keep-in-foreground', `--conf-file=${confFile}`, '--log-facility=-'];
}

/** Syntax check of a rendered configuration (`dnsmasq --test -C file`): exit 0 and "syntax check OK". */
export function dnsmasqTestArgs(confFile: string): string[] {
  return ['--test', `--conf-file=${confFile}`];
}

/**
 * systemctl verbs for container mode. `reload` relies on the unit's ExecReload sending SIGHUP to
 * dnsmasq inside the container (racker's unit does), which re-reads the hosts files.
 */
export const systemctlArgs = {
  restart: (unit: string): string[] => ['restart', unit],
  reload: (unit: string): string[] => ['reload', unit],
  stop: (unit: string): string[] => ['stop', unit],
  isActive: (unit: string): string[] => ['is-active', '--quiet', unit],
  mainPid: (unit: string): string[] => ['show', '--property=MainPID', '--value', unit],
};

/** Follow the unit's log from now on, message text only (the parser strips dnsmasq's own prefix). */
export function journalctlFollowArgs(unit: string): string[] {
  return ['--unit', unit, '--follow', '--lines=0', '--output=cat'];
}
