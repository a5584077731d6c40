/**
 * The `racker` commands. Each lives in its own module, loaded only when used, so `racker status`
 * does not pay for the factory TUI's dependencies.
 */
import type { CommandEntry } from './command-entry.js';

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'bootstrap', summary: 'provision the rack with Flatcar, optionally as a Kubernetes cluster (--dry-run shows the plan)', load: () => import('./bootstrap.js') },
  { name: 'factory', summary: 'write and check the rack metadata (nodes.csv, BMC credentials)', load: () => import('../../factory/command.js') },
  { name: 'agent', summary: 'run the agent daemon in the foreground (systemd: racker-agent.service)', load: () => import('./agent.js') },
  { name: 'status', summary: 'show every node: BMC, power, provisioning phase, last problem', load: () => import('./status.js') },
  { name: 'inventory', summary: 'show the hardware each node reported: model, serial, CPUs, memory, disks (racker inventory NODE: all of it)', load: () => import('./inventory.js') },
  { name: 'version', summary: 'print the racker version: this one, the installed ones, the available ones', load: () => import('./version.js') },
  { name: 'update', summary: 'install the newest release of the current major version', load: () => import('./update.js') },
  { name: 'upgrade', summary: 'install the newest release', load: () => import('./upgrade.js') },
  { name: 'get', summary: 'install a given version: racker get VERSION', load: () => import('./get.js') },
  { name: 'rollback', summary: 'return to the previous installed version', load: () => import('./rollback.js') },
  { name: 'logs', summary: 'the agent\'s event log for the rack or one node (--node, --follow, --since)', load: () => import('./logs.js') },
  { name: 'ipmi', summary: 'talk to a node\'s BMC (diag, console, power, bootdev, sensors, users, raw), or to all of them', load: () => import('./ipmi.js') },
  { name: 'completion', summary: 'print the shell completion script: source <(racker completion bash)', load: () => import('./completion.js') },
  { name: 'man', summary: 'print the manual page, made from every command\'s help: racker man | man -l -', load: () => import('./man.js') },
];
