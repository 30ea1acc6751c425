import { CreateFollowUp } from '../../contracts/crm-data/activities.contract.ts';
import { defineTool } from '../../framework/tool.ts';

export const createFollowUpTool = defineTool(CreateFollowUp, {
  title: 'Create follow-up',
  description:
    'Schedule a follow-up task on a contact: a title and a due date (ISO 8601). It is owned by the contact\'s owner unless ownerId says otherwise. ' +
    'Sales reps may add follow-ups only on their own contacts and only for themselves.',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  precheck: (input, { core, actor }) => core.followUps.checks.create(actor, input),
  handler: (input, { core, actor }) => core.followUps.create(actor, input),
  summarize: (f) => `Follow-up "${f.title}" due ${f.dueAt.slice(0, 16).replace('T', ' ')} UTC (id ${f.id}).`,
});
