/**
 * What a `racker` command is to the dispatcher. Its own file so that the commands that list every
 * command (man, completion, --help) get the table from main.ts instead of importing the table that
 * loads them (an import circle).
 */
import type { CliContext } from '../cli-kit/context.js';

export interface CommandModule {
  /** `commands`: the whole table, for the commands that describe every command. */
  run(args: string[], ctx: CliContext, commands: readonly CommandEntry[]): Promise<number>;
}

export interface CommandEntry {
  name: string;
  summary: string;
  load: () => Promise<CommandModule>;
}
