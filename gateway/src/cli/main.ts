import { parseArgs } from 'node:util';
import { createLogger } from '@crm/core';
import { describeError } from '../runtime/boot.ts';
import { exitCodeFor } from './exit-codes.ts';
import { COMMANDS, usage } from './commands.ts';

const argv = process.argv.slice(2);
const name = argv[0];

if (!name || name === 'help' || name === '--help' || name === '-h') {
  process.stdout.write(usage());
  process.exit(name ? 0 : 1);
}

const command = COMMANDS[name];
if (!command) {
  process.stderr.write(`crm: unknown command "${name}". Run "npx crm help".\n`);
  process.exit(2);
}

const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', name: 'crm' });

try {
  const { values, positionals } = parseArgs({ args: argv.slice(1), options: command.options ?? {}, allowPositionals: true, strict: true });
  const code = await command.run({ values, positionals, logger });
  // long-running commands (start, mcp) return undefined and keep the process alive
  if (typeof code === 'number') process.exit(code);
} catch (err) {
  const e = err as NodeJS.ErrnoException;
  const line = e?.code?.startsWith?.('ERR_PARSE_ARGS') ? `${e.message}. Run "npx crm help".` : describeError(err);
  process.stderr.write(`crm ${name}: ${line}\n`);
  if (process.env.CRM_DEBUG) process.stderr.write(`${(err as Error)?.stack}\n`);
  process.exit(exitCodeFor(err));
}
