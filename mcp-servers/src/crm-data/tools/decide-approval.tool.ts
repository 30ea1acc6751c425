import { DecideApproval } from '../../contracts/crm-data/approvals.contract.ts';
import { defineTool } from '../../framework/tool.ts';
import { describeApproval } from './approval-summary.ts';

export const decideApprovalTool = defineTool(DecideApproval, {
  title: 'Decide approval',
  description:
    'Approve or reject a pending request (a reason is required to reject). Decided exactly once: deciding again is a CONFLICT, and an expired request says so. ' +
    'An approved assistant action runs at once, as the user it was filed for and with their permissions; its result is returned. ' +
    'Managers and admins decide every request; sales reps only their own assistant\'s actions.',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  handler: ({ id, ...decision }, { core, actor }) => core.approvals.decide(actor, id, decision),
  summarize: describeApproval,
});
