import readline from 'node:readline/promises';
import { ROLES } from '@crm/core';
import { bootCore } from '../runtime/boot.ts';
import { ACTOR_OPTIONS, resolveCliActor } from './actor.ts';
import { SHOWN_ONCE, argAt, printTable, required, verbOf } from './admin.args.ts';
import type { Command } from './command.types.ts';

const VERBS = ['add', 'list', 'deactivate', 'set-role', 'set-password'] as const;

/** The new password: the first line of stdin (piped), or typed at a prompt that does not echo. */
async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    let text = '';
    for await (const chunk of process.stdin) text += String(chunk);
    return text.split(/\r?\n/)[0];
  }
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  process.stdout.write('New password (not shown): ');
  // mute the echo of what is typed
  (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => {};
  try {
    return await rl.question('');
  } finally {
    rl.close();
    process.stdout.write('\n');
  }
}

export const userCommand: Command = {
  summary: 'Manage the people of a tenant (ADMIN): add (prints their API key once), list, deactivate, set-role',
  usage: `crm user add --email EMAIL --name NAME --role ${ROLES.join('|')} | list [--all] | deactivate EMAIL | set-role EMAIL ROLE | set-password EMAIL (password on stdin or prompted) [--json] [--user EMAIL] [--tenant SLUG]`,
  options: { ...ACTOR_OPTIONS, email: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' }, all: { type: 'boolean' }, json: { type: 'boolean' } },
  async run({ positionals, values, logger }) {
    const verb = verbOf(positionals, 'user', VERBS);
    const json = values.json === true;
    const add = verb === 'add' ? { email: required(values, 'email', 'sam@acme.io'), name: required(values, 'name', '"Sam Lee"'), role: required(values, 'role', 'SALES_REP') } : undefined;
    const who = verb === 'deactivate' || verb === 'set-role' || verb === 'set-password' ? argAt(positionals, 1, 'USER', `npx crm user ${verb} EMAIL${verb === 'set-role' ? ' ROLE' : ''}`) : '';
    const role = verb === 'set-role' ? argAt(positionals, 2, 'ROLE', 'npx crm user set-role EMAIL ROLE') : '';
    const booted = await bootCore(logger);
    try {
      const { users } = booted.core;
      const actor = await resolveCliActor(booted.core, values);
      if (add) {
        const { user, apiKey } = await users.createUser(actor, add);
        if (json) process.stdout.write(`${JSON.stringify({ user, apiKey }, null, 2)}\n`);
        else process.stdout.write(`User ${user.email} (${user.role}) added: ${user.id}\n  API key: ${apiKey}\n  ${SHOWN_ONCE}\n`);
        return 0;
      }
      if (verb === 'list') {
        printTable(await users.list(actor, { includeDeactivated: values.all === true }), ['email', 'name', 'role', 'status', 'createdAt', 'id'], json);
        return 0;
      }
      if (verb === 'set-password') {
        await booted.core.credentials.setPassword(actor, who, await readPassword());
        const user = await users.get(actor, who);
        if (json) process.stdout.write(`${JSON.stringify({ user: user.email, passwordSet: true })}\n`);
        else process.stdout.write(`Password set for ${user.email}: they can log in at POST /auth/login.\n`);
        return 0;
      }
      const user = verb === 'deactivate' ? await users.deactivate(actor, who) : await users.setRole(actor, who, { role });
      if (json) process.stdout.write(`${JSON.stringify(user, null, 2)}\n`);
      else process.stdout.write(verb === 'deactivate' ? `User ${user.email} deactivated; their API keys no longer work.\n` : `User ${user.email} is now ${user.role}.\n`);
      return 0;
    } finally {
      await booted.close();
    }
  },
};
