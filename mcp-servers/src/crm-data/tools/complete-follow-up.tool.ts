import { CompleteFollowUp } from '../../contracts/crm-data/activities.contract.ts';
import { defineTool } from '../../framework/tool.ts';

export const completeFollowUpTool = defineTool(CompleteFollowUp, {
  title: 'Complete follow-up',
  description:
    'Mark a follow-up done, optionally appending a note to it. Completing one that is already done changes nothing. ' +
    'Sales reps may complete only their own follow-ups.',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  precheck: ({ id }, { core, actor }) => core.followUps.checks.complete(actor, id),
  handler: ({ id, note }, { core, actor }) => core.followUps.complete(actor, id, note),
  summarize: (f) => `Follow-up "${f.title}" is done.`,
});
