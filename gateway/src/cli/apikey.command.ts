import { bootCore } from '../runtime/boot.ts';
import { ACTOR_OPTIONS, resolveCliActor } from './actor.ts';
import { SHOWN_ONCE, argAt, optional, parseExpiry, printTable, verbOf } from './admin.args.ts';
import type { Command } from './command.types.ts';

const VERBS = ['create', 'list', 'revoke', 'rotate'] as const;
const COLUMNS = ['id', 'email', 'name', 'prefix', 'status', 'createdAt', 'expiresAt', 'lastUsedAt'];

export const apikeyCommand: Command = {
  summary: 'API keys (shown once, stored hashed): create [--for EMAIL] [--name] [--expires 30d|DATE], list, revoke ID, rotate ID',
  usage: 'crm apikey create [--for EMAIL] [--name NAME] [--expires 30d|2027-01-31] | list [--for EMAIL] [--all] | revoke ID | rotate ID [--expires …] [--json] [--user EMAIL] [--tenant SLUG]',
  options: { ...ACTOR_OPTIONS, for: { type: 'string' }, name: { type: 'string' }, expires: { type: 'string' }, all: { type: 'boolean' }, json: { type: 'boolean' } },
  async run({ positionals, values, logger }) {
    const verb = verbOf(positionals, 'apikey', VERBS);
    const json = values.json === true;
    const expiresAt = parseExpiry(optional(values, 'expires'));
    const keyId = verb === 'revoke' || verb === 'rotate' ? argAt(positionals, 1, 'ID', `npx crm apikey ${verb} ID (see "npx crm apikey list")`) : '';
    const booted = await bootCore(logger);
    try {
      const { apiKeys, users } = booted.core;
      const actor = await resolveCliActor(booted.core, values);
      const forRef = optional(values, 'for');
      const userId = forRef ? (await users.get(actor, forRef)).id : undefined;
      if (verb === 'list') {
        printTable(await apiKeys.list(actor, { userId, includeInactive: values.all === true }), COLUMNS, json);
        return 0;
      }
      if (verb === 'revoke') {
        const key = await apiKeys.revoke(actor, keyId);
        if (json) process.stdout.write(`${JSON.stringify(key, null, 2)}\n`);
        else process.stdout.write(`API key ${key.prefix} of ${key.email} revoked.\n`);
        return 0;
      }
      const result =
        verb === 'create'
          ? await apiKeys.create(actor, { userId: userId ?? actor.userId, name: optional(values, 'name'), expiresAt })
          : await apiKeys.rotate(actor, keyId, { expiresAt });
      if (json) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        return 0;
      }
      const { key, apiKey } = result;
      const expiry = key.expiresAt ? `expires ${key.expiresAt.toISOString()}` : 'no expiry';
      process.stdout.write(`${verb === 'create' ? 'API key created' : `API key ${keyId} revoked and replaced`} for ${key.email} ("${key.name}", ${expiry}, id ${key.id}):\n`);
      process.stdout.write(`  ${apiKey}\n  ${SHOWN_ONCE}\n`);
      return 0;
    } finally {
      await booted.close();
    }
  },
};
