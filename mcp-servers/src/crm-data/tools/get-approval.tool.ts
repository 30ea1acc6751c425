import { GetApproval } from '../../contracts/crm-data/approvals.contract.ts';
import { defineTool, READ_ONLY } from '../../framework/tool.ts';
import { describeApproval } from './approval-summary.ts';

export const getApprovalTool = defineTool(GetApproval, {
  title: 'Get approval',
  description: 'One approval request: the exact action, who asked and for whom, risk, expiry, the decision and — for an approved assistant action — what running it returned.',
  annotations: READ_ONLY,
  handler: ({ id }, { core, actor }) => core.approvals.get(actor, id),
  summarize: describeApproval,
});
