import type { CommandEntry } from './command.types.ts';

// Each command's code (and so @crm/core and the SDKs it uses) loads only when that command runs:
// `crm --help` stays fast.
export const COMMANDS: Record<string, CommandEntry> = {
  start: {
    summary: 'Migrate, seed the demo tenant on first run, and start the platform',
    usage: 'crm start [--port N] [--host ADDR] [--no-seed]',
    load: () => import('./start.command.ts').then((m) => m.startCommand),
  },
  migrate: { summary: 'Apply pending database migrations', usage: 'crm migrate', load: () => import('./data.commands.ts').then((m) => m.migrateCommand) },
  seed: {
    summary: 'Load the demo tenant (Brightwave Digital: users, ~2,000 contacts, ~20,000 interactions)',
    usage: 'crm seed --demo [--contacts N] [--seed N] [--no-knowledge]',
    load: () => import('./data.commands.ts').then((m) => m.seedCommand),
  },
  import: {
    summary: 'Import contacts or interactions from a CSV (HubSpot/Salesforce exports work as they are)',
    usage: 'crm import contacts|interactions FILE [--json] [--user EMAIL] [--tenant SLUG]',
    load: () => import('./data.commands.ts').then((m) => m.importCommand),
  },
  export: {
    summary: 'Export contacts or interactions to a CSV file ("-" for stdout)',
    usage: 'crm export contacts|interactions FILE [--user EMAIL] [--tenant SLUG]',
    load: () => import('./data.commands.ts').then((m) => m.exportCommand),
  },
  mcp: {
    summary: 'Serve an MCP server over stdio (crm = every server in one)',
    usage: 'crm mcp SERVER [--user EMAIL] [--tenant SLUG]',
    load: () => import('./mcp.command.ts').then((m) => m.mcpCommand),
  },
  scoring: {
    summary: 'Lead scoring: evaluate or train on any CSV, retrain/rescore the tenant, show the model',
    usage: 'crm scoring evaluate|train|retrain|rescore|info [options]',
    load: () => import('./scoring.command.ts').then((m) => m.scoringCommand),
  },
  kb: {
    summary: 'Knowledge base: add documents (Markdown, text, HTML, PDF) and search them with citations',
    usage: 'crm kb add FILE|DIR | search QUERY [--k N] [--mode M] [--json]',
    load: () => import('./kb.command.ts').then((m) => m.kbCommand),
  },
  config: {
    summary: 'Show the configuration in effect (secrets hidden) or check it',
    usage: 'crm config [show|check] [--json]',
    load: () => import('./config.command.ts').then((m) => m.configCommand),
  },
  jobs: {
    summary: 'Scheduled jobs: recent runs (each slot runs once across replicas)',
    usage: 'crm jobs [--job NAME] [--limit N] [--json]',
    load: () => import('./jobs.command.ts').then((m) => m.jobsCommand),
  },
  outbox: {
    summary: 'Outbox events that exhausted their attempts: list them, replay them',
    usage: 'crm outbox failed [--tenant SLUG] [--limit N] [--json] | retry ID… | retry --all [--tenant SLUG]',
    load: () => import('./outbox.command.ts').then((m) => m.outboxCommand),
  },
  tenant: {
    summary: 'Create a tenant with its first ADMIN (prints their API key once), or list tenants',
    usage: 'crm tenant create --name NAME --slug SLUG --admin-email EMAIL | list',
    load: () => import('./tenant.command.ts').then((m) => m.tenantCommand),
  },
  user: {
    summary: 'Manage the people of a tenant (ADMIN): add, list, deactivate, set-role, set-password',
    usage: 'crm user add|list|deactivate|set-role|set-password …',
    load: () => import('./user.command.ts').then((m) => m.userCommand),
  },
  token: {
    summary: 'Print a bearer token (JWT) for a user: by default the demo tenant\'s first user with --role',
    usage: 'crm token create --role ROLE [--email EMAIL] [--tenant SLUG] [--audience api|mcp]',
    load: () => import('./token.command.ts').then((m) => m.tokenCommand),
  },
  oauth: {
    summary: 'OAuth clients that MCP clients registered (claude.ai, Claude Code, MCP Inspector): list, revoke',
    usage: 'crm oauth clients list [--all] [--json] | clients revoke ID',
    load: () => import('./oauth.command.ts').then((m) => m.oauthCommand),
  },
  apikey: {
    summary: 'API keys (shown once, stored hashed): create, list, revoke, rotate',
    usage: 'crm apikey create|list|revoke ID|rotate ID …',
    load: () => import('./apikey.command.ts').then((m) => m.apikeyCommand),
  },
  agents: {
    summary: 'Background agents: run one now (follow-up tasks and drafts, rescoring, the weekly pipeline digest)',
    usage: 'crm agents run follow-up|rescoring|digest [--tenant SLUG] [--json]',
    load: () => import('./agents.command.ts').then((m) => m.agentsCommand),
  },
  worker: {
    summary: 'Run the workflow worker (triggers, schedules, durable executions) until stopped',
    usage: 'crm worker',
    load: () => import('./worker.command.ts').then((m) => m.workerCommand),
  },
  workflow: {
    summary: 'Manage workflows: templates, activation, runs, dry runs, executions, local mailbox',
    usage: 'crm workflow list|templates|install|activate|deactivate|rotate-secret|run|dry-run|executions|mailbox …',
    load: () => import('./workflow.command.ts').then((m) => m.workflowCommand),
  },
  settings: {
    summary: "Show or change the tenant's policies (e.g. workflow activation needs approval)",
    usage: 'crm settings show | set [--workflow-activation-approval on|off] [--approval-emails on|off]',
    load: () => import('./settings.command.ts').then((m) => m.settingsCommand),
  },
  approvals: {
    summary: 'The approval queue: list, show, approve or reject actions waiting for a human',
    usage: 'crm approvals list [--status S] [--json] | show ID | approve|reject ID --reason TEXT',
    load: () => import('./approvals.command.ts').then((m) => m.approvalsCommand),
  },
  chat: {
    summary: 'Chat with your CRM: the sales assistant (streamed, cited, asks before it acts)',
    usage: 'crm chat [--message TEXT] [--json] [--thread ID] [--contact CONTACT_ID] [--user EMAIL]',
    load: () => import('./chat.command.ts').then((m) => m.chatCommand),
  },
  analytics: {
    summary: 'Analytics warehouse: export contacts and interactions to BigQuery now (incremental per tenant)',
    usage: 'crm analytics export-bigquery [--tenant SLUG] [--full] [--lag-seconds N] [--json]',
    load: () => import('./analytics.command.ts').then((m) => m.analyticsCommand),
  },
  report: {
    summary: 'Run an analytics report with charts (HTML with SVG, PNG, CSV or JSON); schedule reports by email',
    usage: 'crm report run TYPE [--out FILE] [--png DIR] [--days N] | schedule add|list|remove|run-now | saved [ID]',
    load: () => import('./report.command.ts').then((m) => m.reportCommand),
  },
  reports: {
    summary: 'Saved reports (the weekly pipeline digest): list them or show one (same as `crm report saved`)',
    usage: 'crm reports saved [ID] [--kind K] [--limit N] [--json]',
    load: () => import('./report.command.ts').then((m) => m.reportCommand),
  },
};

export function usage(version: string): string {
  const lines = Object.values(COMMANDS).map((c) => `  ${c.usage.padEnd(64)} ${c.summary}`);
  return [
    `Agentic CRM ${version} — MCP-first CRM for small marketing teams`,
    '',
    'Usage: npx crm <command> [options]      npx crm help <command>      npx crm --version',
    '',
    ...lines,
    '',
    'Configuration comes from environment variables or a .env file in the current folder',
    '(see "npx crm config show"). Default database: embedded PGlite in a per-user data folder.',
    '',
    'Exit codes: 0 ok · 1 done with row errors · 2 unknown command · 64 bad usage · 65 invalid input',
    '            66 file/record not found · 69 service unavailable · 70 internal · 73 conflict',
    '            75 rate/budget limit · 77 not allowed',
    '',
  ].join('\n');
}
