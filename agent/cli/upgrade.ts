/** `racker upgrade`: install the newest release (see install-command.ts). */
import type { CliContext } from '../cli-kit/context.js';
import { runInstallCommand } from './install-command.js';

export const run = (args: string[], ctx: CliContext): Promise<number> => runInstallCommand('upgrade', args, ctx);
