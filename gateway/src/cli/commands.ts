import type { Command } from './command.types.ts';
import { exportCommand, importCommand, migrateCommand, seedCommand } from './data.commands.ts';
import { kbCommand } from './kb.command.ts';
import { mcpCommand } from './mcp.command.ts';
import { scoringCommand } from './scoring.command.ts';
import { startCommand } from './start.command.ts';

export const COMMANDS: Record<string, Command> = {
  start: startCommand,
  migrate: migrateCommand,
  seed: seedCommand,
  import: importCommand,
  export: exportCommand,
  mcp: mcpCommand,
  scoring: scoringCommand,
  kb: kbCommand,
};

export function usage(): string {
  const lines = Object.values(COMMANDS).map((c) => `  ${c.usage.padEnd(72)} ${c.summary}`);
  return [
    'Agentic CRM — MCP-first CRM for small marketing teams',
    '',
    'Usage: npx crm <command> [options]',
    '',
    ...lines,
    '',
    'Environment: DATABASE_URL (PostgreSQL; default: embedded PGlite in CRM_DATA_DIR=./.crm-data),',
    '             CRM_API_KEY (act as that user), PORT (HTTP, default 3000), LOG_LEVEL.',
    '',
  ].join('\n');
}
