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
  /** Exit code, or undefined for a long-running command that keeps the process alive. */
  run(ctx: CommandContext): Promise<number | undefined>;
}
