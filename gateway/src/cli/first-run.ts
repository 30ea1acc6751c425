/**
 * What `crm start --no-seed` prints on a database without tenants: the exact commands that create
 * the first tenant and its admin, and how to use the key they print.
 */
export function firstRunHint(bin = 'npx crm'): string {
  return [
    'No tenant yet. Create your organisation and its first admin:',
    '',
    `  ${bin} tenant create --name "Acme Inc" --slug acme --admin-email you@acme.io [--admin-name "Your Name"]`,
    '',
    'It prints the admin\'s API key once. Use it as "Authorization: Bearer <key>" for MCP over HTTP,',
    `or as CRM_API_KEY for the CLI; then add your team with "${bin} user add --email … --name … --role SALES_REP".`,
    `(Or try the demo data: "${bin} seed --demo".)`,
    '',
  ].join('\n');
}
