import { AppError } from '@crm/core';
import { bootCore } from '../runtime/boot.ts';
import type { Command } from './command.types.ts';

const USAGE = 'crm agents run follow-up|rescoring|digest [--tenant SLUG] [--json]';
const SUMMARY = 'Background agents: run one now (follow-up tasks and drafts, rescoring, the weekly pipeline digest)';
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Background agents on demand (they also run on their schedule inside crm start / crm worker). */
export const agentsCommand: Command = {
  summary: SUMMARY,
  usage: USAGE,
  help: [
    'Each agent acts as each tenant\'s system actor through the MCP tools (their permissions and audit apply).',
    '',
    'follow-up  For hot leads (score >= AGENT_HOT_SCORE) with no touch for AGENT_QUIET_DAYS and no open',
    '           follow-up it creates a follow-up task for the owner and files a draft email for approval; for',
    '           overdue follow-ups it files a draft email for approval. Nothing is sent until someone approves',
    '           it ("npx crm approvals list", then "approve ID"). Running it again files nothing twice.',
    '           Scheduled every AGENT_FOLLOW_UP_HOURS (default 24).',
    'rescoring  Retrains the lead-scoring model (activated only when it beats the active one on held-out',
    '           outcomes; unchanged when too few new outcomes exist), rescores every contact and reports the',
    '           model version before/after, the decision and the biggest movers. Scheduled every',
    '           AGENT_RESCORING_HOURS (default SCORING_RETRAIN_HOURS, 24); it is the one retrain schedule.',
    'digest     Writes the weekly pipeline digest (pipeline by status week over week, new contacts and their',
    '           conversion, hot leads gone quiet, overdue follow-ups, insights) from the tools\' figures, saves',
    '           it (list_saved_reports) and emails it to the tenant\'s managers and admins. Scheduled by',
    '           AGENT_DIGEST_CRON (default Mondays 07:00 in the tenant\'s time zone, once per slot); run now,',
    '           it covers the 7 days up to now.',
    '',
    'Every scheduled run is recorded in "npx crm jobs --json" (agents.follow-up, agents.rescoring, agents.digest).',
  ].join('\n'),
  options: { tenant: { type: 'string' }, json: { type: 'boolean' } },
  async run({ values, positionals, logger }) {
    const [action, agent] = positionals;
    if (action !== 'run') throw AppError.validation([{ path: 'action', reason: 'must be "run"' }]);
    if (agent !== 'follow-up' && agent !== 'rescoring' && agent !== 'digest') {
      throw AppError.validation([{ path: 'agent', reason: 'must be "follow-up", "rescoring" or "digest"' }]);
    }
    const booted = await bootCore(logger);
    try {
      const tenant = typeof values.tenant === 'string' ? values.tenant : undefined;
      if (tenant && !(await booted.core.directory.tenantIdBySlug(tenant))) throw AppError.validation([{ path: 'tenant', reason: `no tenant with the slug "${tenant}"` }]);
      const agents = await import('../runtime/background-agents.ts');
      const out = (s: string) => process.stdout.write(s);
      let runs: { tenant: string; error?: string }[];
      if (agent === 'follow-up') {
        const r = await agents.runFollowUpAgentForTenants(booted.runtime, tenant);
        runs = r;
        if (!values.json) {
          for (const x of r) {
            if (!x.report) continue;
            const { hotLeadsFound, tasksCreated, draftsFiled, skipped } = x.report;
            out(
              `${x.tenant}: ${plural(hotLeadsFound, 'hot lead')} gone quiet; ${plural(tasksCreated.length, 'follow-up task')} created; ` +
                `${plural(draftsFiled.length, 'draft email')} waiting for approval; ${skipped.length} skipped\n`,
            );
          }
          if (r.some((x) => x.report?.draftsFiled.length)) out('Review the drafts with "npx crm approvals list".\n');
        }
      } else if (agent === 'rescoring') {
        const r = await agents.runRescoringAgentForTenants(booted.runtime, tenant);
        runs = r;
        if (!values.json) {
          for (const x of r) {
            if (!x.report) continue;
            const p = x.report;
            const v = (n: number | null) => (n === null ? 'rules' : `v${n}`);
            out(`${x.tenant}: ${p.decision} (${v(p.modelVersionBefore)} → ${v(p.modelVersionAfter)}): ${p.reason}\n`);
            out(`  rescored ${plural(p.scored, 'contact')}; ${plural(p.scoresChanged, 'score')} changed\n`);
            for (const m of p.movers) out(`  ${m.delta > 0 ? '+' : ''}${m.delta}  ${m.from} → ${m.to}  ${m.name ?? ''} (${m.contactId})\n`);
          }
        }
      } else {
        const r = await agents.runDigestAgentForTenants(booted.runtime, { only: tenant, mode: 'now' });
        runs = r;
        if (!values.json) {
          for (const x of r) {
            if (!x.report) continue;
            out(`${x.tenant}: saved "${x.report.title}" (id ${x.report.reportId}); emailed to ${x.report.emailed.length ? x.report.emailed.join(', ') : 'nobody'}\n\n${x.report.body}\n\n`);
          }
        }
      }
      if (values.json) out(`${JSON.stringify(runs, null, 2)}\n`);
      else for (const x of runs) if (x.error) out(`${x.tenant}: failed — ${x.error}\n`);
      return runs.some((x) => x.error) ? 1 : 0;
    } finally {
      await booted.close();
    }
  },
};
