/** `racker update`: install the newest release of the current major version (see install-command.ts). */
import type { CliContext } from '../cli-kit/context.js';
import { runInstallCommand } from './install-command.js';

export const run = (args: string[], ctx: CliContext): Promise<number> => runInstallCommand('update', args, ctx);
