import type { Actor, CrmCore } from '@crm/core';
import { CONTACT_STATUSES } from '@crm/core/contracts';
import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { guarded } from '../../framework/mcp-errors.ts';
import type { ModuleContext } from '../../framework/server-module.ts';
import { embedJson, userText } from './prompt-content.ts';

const DAY = 24 * 60 * 60 * 1000;
const SCOPES = ['mine', 'team'] as const;

const summary = (c: { id: string; firstName: string; lastName: string; company: string | null; status: string; leadScore: number; lastContactDate: Date | null }) => ({
  id: c.id,
  name: `${c.firstName} ${c.lastName}`,
  company: c.company,
  status: c.status,
  leadScore: c.leadScore,
  lastContactDate: c.lastContactDate,
});

/** The numbers a weekly review needs, gathered through the same services (and permissions) as the tools. */
async function pipelineSnapshot(core: CrmCore, actor: Actor, mine: boolean, now: Date) {
  const owner = mine ? { assignedTo: actor.userId } : {};
  const weekAgo = new Date(now.getTime() - 7 * DAY);
  const byStatus = Object.fromEntries(
    await Promise.all(CONTACT_STATUSES.map(async (status) => [status, (await core.contacts.list(actor, { ...owner, status, limit: 1 })).totalCount])),
  );
  const [created, hotProspects, hotLeads, goingCold, overdue, dueThisWeek] = await Promise.all([
    core.contacts.list(actor, { ...owner, createdAfter: weekAgo, limit: 10 }),
    core.contacts.list(actor, { ...owner, status: 'PROSPECT', sort: 'leadScore', order: 'desc', limit: 5 }),
    core.contacts.list(actor, { ...owner, status: 'LEAD', sort: 'leadScore', order: 'desc', limit: 5 }),
    core.contacts.list(actor, { ...owner, status: 'PROSPECT', lastContactedBefore: new Date(now.getTime() - 14 * DAY), sort: 'leadScore', order: 'desc', limit: 10 }),
    core.followUps.list(actor, { scope: 'overdue', ...(mine ? { ownerId: actor.userId } : {}), limit: 25 }),
    core.followUps.list(actor, { scope: 'due', dueBefore: new Date(now.getTime() + 7 * DAY), ...(mine ? { ownerId: actor.userId } : {}), limit: 50 }),
  ]);
  return {
    scope: mine ? 'my contacts' : 'whole team',
    asOf: now,
    contactsByStatus: byStatus,
    newContactsLast7Days: { count: created.totalCount, latest: created.data.map(summary) },
    topProspects: hotProspects.data.map(summary),
    topLeads: hotLeads.data.map(summary),
    prospectsNotContactedIn14Days: { count: goingCold.totalCount, top: goingCold.data.map(summary) },
    overdueFollowUps: overdue.map((f) => ({ id: f.id, title: f.title, dueAt: f.dueAt, contactId: f.contactId, ownerId: f.ownerId })),
    followUpsDueNext7Days: dueThisWeek.filter((f) => f.dueAt >= now).length,
  };
}

export function registerWeeklyPipelineReviewPrompt(server: McpServer, ctx: ModuleContext): void {
  server.registerPrompt(
    'weekly_pipeline_review',
    {
      title: 'Weekly pipeline review',
      description: 'A weekly review of the pipeline: status counts, new contacts, top prospects, deals going cold and overdue follow-ups, with priorities for the week.',
      argsSchema: {
        scope: completable(z.enum(SCOPES).optional().describe('"mine" (contacts assigned to you; the default for sales reps) or "team"'), (value) =>
          SCOPES.filter((s) => s.startsWith((value ?? '').toLowerCase())),
        ),
      },
    },
    guarded(ctx.logger, 'prompts/get', async ({ scope }, extra) => {
      const { actor, core } = ctx.context(extra);
      const mine = scope === 'mine' || (scope !== 'team' && actor.role === 'SALES_REP');
      const snapshot = await pipelineSnapshot(core, actor, mine, new Date());
      return {
        description: `Weekly pipeline review (${snapshot.scope})`,
        messages: [
          embedJson('crm://reports/weekly-pipeline', snapshot),
          userText(
            'Write this week\'s pipeline review from the snapshot above, for a busy sales team:\n' +
              '1. Pipeline health in three sentences (counts by status, new contacts, anything unusual).\n' +
              '2. The five contacts to prioritise this week, each with the reason and the next action.\n' +
              '3. Deals at risk: prospects not contacted in 14+ days and overdue follow-ups, with a suggested fix.\n' +
              '4. One process improvement for the team.\n' +
              'Name contacts with their ids so the next step can use get_contact or log_interaction. Use only the numbers given.',
          ),
        ],
      };
    }),
  );
}
