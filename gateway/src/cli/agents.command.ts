import { AppError } from '@crm/core';
import { bootCore } from '../runtime/boot.ts';
import type { Command } from './command.types.ts';

/** Background agents on demand (they also run on their schedule inside crm start / crm worker). */
export const agentsCommand: Command = {
  summary: 'Background agents: run the follow-up agent now (tasks and draft emails for approval)',
  usage: 'crm agents run follow-up [--tenant SLUG] [--json]',
  help: [
    'The follow-up agent acts as each tenant\'s system actor through the MCP tools: for hot leads',
    '(score >= AGENT_HOT_SCORE) with no touch for AGENT_QUIET_DAYS and no open follow-up it creates',
    'a follow-up task for the owner and files a draft email for approval; for overdue follow-ups it',
    'files a draft email for approval. Nothing is sent until someone approves it',
    '("npx crm approvals list", then "approve ID"). Running it again files nothing twice.',
    'It runs every AGENT_FOLLOW_UP_HOURS (default 24) while "npx crm start" or "npx crm worker" runs.',
  ].join('\n'),
  options: { tenant: { type: 'string' }, json: { type: 'boolean' } },
  async run({ values, positionals, logger }) {
    const [action, agent] = positionals;
    if (action !== 'run') throw AppError.validation([{ path: 'action', reason: 'must be "run"' }]);
    if (agent !== 'follow-up') throw AppError.validation([{ path: 'agent', reason: 'must be "follow-up" (the only background agent so far)' }]);
    const booted = await bootCore(logger);
    try {
      const tenant = typeof values.tenant === 'string' ? values.tenant : undefined;
      if (tenant && !(await booted.core.directory.tenantIdBySlug(tenant))) throw AppError.validation([{ path: 'tenant', reason: `no tenant with the slug "${tenant}"` }]);
      const { runFollowUpAgentForTenants } = await import('../runtime/background-agents.ts');
      const runs = await runFollowUpAgentForTenants(booted.runtime, tenant);
      if (values.json) {
        process.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
      } else {
        for (const r of runs) {
          if (!r.report) {
            process.stdout.write(`${r.tenant}: failed — ${r.error}\n`);
            continue;
          }
          const { hotLeadsFound, tasksCreated, draftsFiled, skipped } = r.report;
          process.stdout.write(
            `${r.tenant}: ${hotLeadsFound} hot lead${hotLeadsFound === 1 ? '' : 's'} gone quiet; ${tasksCreated.length} follow-up task${tasksCreated.length === 1 ? '' : 's'} created; ` +
              `${draftsFiled.length} draft email${draftsFiled.length === 1 ? '' : 's'} waiting for approval; ${skipped.length} skipped\n`,
          );
        }
        if (runs.some((r) => r.report?.draftsFiled.length)) process.stdout.write('Review the drafts with "npx crm approvals list".\n');
      }
      return runs.some((r) => r.error) ? 1 : 0;
    } finally {
      await booted.close();
    }
  },
};
