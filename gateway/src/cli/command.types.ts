import type { ParseArgsConfig } from 'node:util';
import type { Logger } from '@crm/core';

export interface CommandContext {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
  logger: Logger;
}

export interface Command {
  summary: string;
  usage: string;
  options?: ParseArgsConfig['options'];
  /** Longer help shown by `crm help COMMAND` / `crm COMMAND --help` (examples, notes). */
  help?: string;
  /** Exit code, or undefined for a long-running command that keeps the process alive. */
  run(ctx: CommandContext): Promise<number | undefined>;
}

/** What `crm --help` needs without loading the command's code. */
export interface CommandEntry {
  summary: string;
  usage: string;
  load(): Promise<Command>;
}
