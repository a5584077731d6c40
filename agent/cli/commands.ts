/**
 * The `racker` commands. Each lives in its own module, loaded only when used, so `racker status`
 * does not pay for the factory TUI's dependencies.
 */
import type { CliContext } from './context.js';

export interface CommandModule {
  run(args: string[], ctx: CliContext): Promise<number>;
}

export interface CommandEntry {
  name: string;
  summary: string;
  load: () => Promise<CommandModule>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'factory', summary: 'write and check the rack metadata (nodes.csv, BMC credentials)', load: () => import('../../factory/command.js') },
  { name: 'ipmi', summary: 'talk to a node\'s BMC (diag, console, power, bootdev, sensors, users, raw), or to all of them', load: () => import('./ipmi.js') },
  { name: 'version', summary: 'print the racker version', load: () => import('./version.js') },
];
