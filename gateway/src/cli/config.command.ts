import { AppError, CRM_ENV_NAMES, configTable } from '@crm/core';
import { processConfig } from '../runtime/process-config.ts';
import type { Command } from './command.types.ts';

const SECRET = /KEY|TOKEN|SECRET|PASSWORD|_URL$/;

/** `crm config`: the variables in effect, secrets shown only as set/unset. */
export const configCommand: Command = {
  summary: 'Show the configuration in effect (secrets hidden) or check it',
  usage: 'crm config [show|check|table] [--json]',
  help: 'check exits 0 when every variable is valid (invalid ones make every command fail with the full list); table prints the README table.',
  options: { json: { type: 'boolean' } },
  async run({ positionals, values }) {
    const sub = positionals[0] ?? 'show';
    if (!['show', 'check', 'table'].includes(sub)) {
      throw new AppError('VALIDATION_FAILED', `Unknown config action "${sub}": show, check or table`, { details: [{ path: 'action', reason: 'one of show, check, table' }] });
    }
    const config = processConfig(); // throws with every problem listed when something is invalid
    if (sub === 'check') {
      process.stdout.write(values.json ? `${JSON.stringify({ valid: true })}\n` : 'Configuration is valid.\n');
      return 0;
    }
    if (sub === 'table') {
      process.stdout.write(`${configTable()}\n`);
      return 0;
    }
    const shown = Object.fromEntries(
      CRM_ENV_NAMES.filter((n) => process.env[n] !== undefined && process.env[n]!.trim() !== '').map((n) => [n, SECRET.test(n) ? '(set)' : process.env[n]!]),
    );
    const effective = {
      database: config.database.url ? 'postgresql (DATABASE_URL)' : `embedded PGlite in ${config.database.dataDir}`,
      modelProvider: config.modelProvider.provider,
      vectorStore: config.vectorStore.kind,
      http: `${config.http.host}:${config.http.port}`,
      logLevel: config.logLevel,
      set: shown,
    };
    if (values.json) process.stdout.write(`${JSON.stringify(effective, null, 2)}\n`);
    else {
      process.stdout.write(
        `Database        ${effective.database}\nModel provider  ${effective.modelProvider}\nVector store    ${effective.vectorStore}\nHTTP            ${effective.http}\nLog level       ${effective.logLevel}\n`,
      );
      const set = Object.entries(shown);
      process.stdout.write(set.length ? `Variables set:\n${set.map(([k, v]) => `  ${k}=${v}`).join('\n')}\n` : 'No CRM variables set (all defaults).\n');
    }
    return 0;
  },
};
