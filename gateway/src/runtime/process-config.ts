import type { CrmConfig } from '@crm/core';
import { loadConfig } from '@crm/core/contracts';

let parsed: CrmConfig | undefined;

/** The process's configuration, parsed once (the CLI entry point parses it before any command runs). */
export function processConfig(env: NodeJS.ProcessEnv = process.env): CrmConfig {
  parsed ??= loadConfig(env);
  return parsed;
}
