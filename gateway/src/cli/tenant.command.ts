import { bootCore } from '../runtime/boot.ts';
import { SHOWN_ONCE, optional, printTable, required, verbOf } from './admin.args.ts';
import type { Command } from './command.types.ts';

export const tenantCommand: Command = {
  summary: 'Create a tenant with its first ADMIN (prints their API key once), or list tenants',
  usage: 'crm tenant create --name NAME --slug SLUG --admin-email EMAIL [--admin-name NAME] [--json] | crm tenant list [--json]',
  options: { name: { type: 'string' }, slug: { type: 'string' }, 'admin-email': { type: 'string' }, 'admin-name': { type: 'string' }, json: { type: 'boolean' } },
  async run({ positionals, values, logger }) {
    const verb = verbOf(positionals, 'tenant', ['create', 'list'] as const);
    const input =
      verb === 'create'
        ? {
            name: required(values, 'name', '"Acme Inc"'),
            slug: required(values, 'slug', 'acme'),
            admin: { email: required(values, 'admin-email', 'ada@acme.io'), name: optional(values, 'admin-name') },
          }
        : undefined;
    const booted = await bootCore(logger);
    try {
      const json = values.json === true;
      if (!input) {
        printTable(await booted.core.tenants.list(), ['slug', 'name', 'users', 'createdAt', 'id'], json);
        return 0;
      }
      const created = await booted.core.tenants.create(input);
      if (json) {
        process.stdout.write(`${JSON.stringify(created, null, 2)}\n`);
        return 0;
      }
      const out = process.stdout;
      out.write(`Tenant "${created.tenant.slug}" created (${created.tenant.id}).\n`);
      out.write(`  First admin: ${created.admin.name} <${created.admin.email}>\n`);
      out.write(`  API key:     ${created.apiKey}\n`);
      out.write(`  ${SHOWN_ONCE}\n`);
      out.write(`  Next: CRM_API_KEY=<key> npx crm user add --email … --name … --role SALES_REP, or connect an MCP client with the key.\n`);
      return 0;
    } finally {
      await booted.close();
    }
  },
};
