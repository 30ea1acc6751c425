import { bootCore } from '../runtime/boot.ts';
import { argAt, printTable, verbOf } from './admin.args.ts';
import type { Command } from './command.types.ts';

const COLUMNS = ['id', 'name', 'status', 'auth', 'redirectUris', 'activeGrants', 'createdAt', 'lastUsedAt'];

/**
 * Operators' view of the OAuth clients MCP clients registered (RFC 7591) with the local issuer.
 * Clients belong to no tenant, so this needs database access (like `crm tenant`), no user.
 */
export const oauthCommand: Command = {
  summary: 'OAuth clients registered by MCP clients (claude.ai, Claude Code, MCP Inspector): list, revoke ID',
  usage: 'crm oauth clients list [--all] [--json] | crm oauth clients revoke ID [--json]',
  help: [
    'list shows active clients (--all: revoked ones too) with their redirect URIs and how many live',
    'authorizations (grants) they hold. revoke ID ends the client and every grant: its refresh tokens',
    'and its access tokens stop working at the next request, and it cannot start a new authorization.',
  ].join('\n'),
  options: { all: { type: 'boolean' }, json: { type: 'boolean' } },
  async run({ positionals, values, logger }) {
    verbOf(positionals, 'oauth', ['clients'] as const);
    const verb = verbOf(positionals.slice(1), 'oauth clients', ['list', 'revoke'] as const);
    const json = values.json === true;
    const id = verb === 'revoke' ? argAt(positionals, 2, 'ID', 'npx crm oauth clients revoke ID (see "npx crm oauth clients list")') : '';
    const booted = await bootCore(logger);
    try {
      const { oauth } = booted.core;
      if (verb === 'list') {
        const clients = (await oauth.listClients()).filter((c) => values.all === true || !c.revokedAt);
        const rows = clients.map((c) => ({
          id: c.id,
          name: c.name,
          status: c.revokedAt ? 'revoked' : 'active',
          auth: c.tokenEndpointAuthMethod,
          redirectUris: c.redirectUris.join(' '),
          activeGrants: c.activeGrants,
          createdAt: c.createdAt,
          lastUsedAt: c.lastUsedAt,
          ...(json ? { grantTypes: c.grantTypes, scope: c.scope, revokedAt: c.revokedAt, softwareId: c.softwareId, softwareVersion: c.softwareVersion } : {}),
        }));
        printTable(rows, COLUMNS, json);
        return 0;
      }
      const client = await oauth.revokeClient(id);
      if (json) process.stdout.write(`${JSON.stringify(client, null, 2)}\n`);
      else process.stdout.write(`OAuth client ${client.id} ("${client.name}") revoked; its tokens stop working now.\n`);
      return 0;
    } finally {
      await booted.close();
    }
  },
};
