import { parseArgs } from 'node:util';
import { VERSION } from '../version.ts';
import { COMMANDS, usage } from './commands.ts';
import type { Command } from './command.types.ts';

const argv = process.argv.slice(2);
const name = argv[0];

function optionHelp(command: Command): string {
  const opts = Object.entries(command.options ?? {}).map(([k, o]) => `  --${k}${o.type === 'string' ? ' VALUE' : ''}`);
  return [`Usage: npx ${command.usage}`, '', command.summary, ...(command.help ? ['', command.help] : []), ...(opts.length ? ['', 'Options:', ...opts] : []), ''].join('\n');
}

if (name === '--version' || name === '-v' || name === 'version') {
  process.stdout.write(`${VERSION}\n`);
  process.exit(0);
}
if (!name || name === '--help' || name === '-h' || (name === 'help' && !argv[1])) {
  process.stdout.write(usage(VERSION));
  process.exit(name ? 0 : 64); // no command at all is bad usage (sysexits EX_USAGE)
}

const helpFor = name === 'help' ? argv[1] : argv.slice(1).some((a) => a === '--help' || a === '-h') ? name : undefined;
const commandName = helpFor ?? name;
const entry = COMMANDS[commandName];
if (!entry) {
  process.stderr.write(`crm: unknown command "${commandName}". Run "npx crm help".\n`);
  process.exit(2);
}

const command = await entry.load();
if (helpFor) {
  process.stdout.write(optionHelp(command));
  process.exit(0);
}

// Everything below needs the configuration and the core; loaded only now.
const { describeError } = await import('./describe-error.ts');
const { processConfig } = await import('../runtime/process-config.ts');
const { exitCodeFor } = await import('./exit-codes.ts');
const fail = (err: unknown): never => {
  const e = err as NodeJS.ErrnoException;
  const line = e?.code?.startsWith?.('ERR_PARSE_ARGS') ? `${e.message}. Run "npx crm help ${name}".` : describeError(err);
  process.stderr.write(`crm ${name}: ${line}\n`);
  if (process.env.CRM_DEBUG) process.stderr.write(`${(err as Error)?.stack}\n`);
  process.exit(exitCodeFor(err));
};

// `crm jobs --json | head -1`: a reader that has had enough closes the pipe; every later write then
// fails with EPIPE, which is no error of the command's (it still ends with its own exit code)
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') fail(err);
});

try {
  // .env in the current folder, without overriding variables already set
  process.loadEnvFile(process.env.CRM_ENV_FILE ?? '.env');
} catch (err) {
  if ((err as NodeJS.ErrnoException).code !== 'ENOENT') fail(err);
}

try {
  const { values, positionals } = parseArgs({ args: argv.slice(1), options: command.options ?? {}, allowPositionals: true, strict: true });
  const config = processConfig(process.env);
  const { createLogger } = await import('@crm/core/contracts');
  // one-shot commands stay quiet unless LOG_LEVEL asks otherwise; stdout is for results
  const logger = createLogger({ level: process.env.LOG_LEVEL ? config.logLevel : 'warn', name: 'crm' });
  const code = await command.run({ values, positionals, logger });
  // long-running commands (start, mcp) return undefined and keep the process alive
  if (typeof code === 'number') process.exit(code);
} catch (err) {
  fail(err);
}
