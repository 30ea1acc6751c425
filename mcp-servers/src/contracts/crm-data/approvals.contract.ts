import { AgentAction, Approval, ApprovalKind, ApprovalRisk, DecideApprovalInput, ListApprovalsQuery } from '@crm/core/contracts';
import { z } from 'zod';
import type { ToolContract } from '../../framework/tool.ts';
import { Cursor, IsoDateTime, NextCursorOut } from './common.contract.ts';

const ApprovalId = z.uuid('must be an approval id (UUID)').describe('Approval id (UUID), e.g. from list_approvals');

export const ApprovalOut = Approval.omit({ tenantId: true }).extend({
  expiresAt: IsoDateTime,
  decidedAt: IsoDateTime.nullable(),
  executedAt: IsoDateTime.nullable(),
  createdAt: IsoDateTime,
  executionResult: z.unknown().describe('What the approved action returned, or {error} when it failed; null until it ran'),
});

const q = ListApprovalsQuery.shape;

export const ListApprovals = {
  name: 'list_approvals',
  input: z
    .object({
      status: q.status.describe('pending (default), decided (approved, rejected or expired), approved, rejected, expired or all'),
      kind: ApprovalKind.optional().describe('agent_action, workflow_step or workflow_activation'),
      subjectType: q.subjectType.describe('Only requests waited on by this kind of subject'),
      subjectId: q.subjectId.describe('Only requests of this subject (a chat thread key, a workflow execution id)'),
      limit: z.number().int('must be an integer').min(1, 'must be at least 1').max(100, 'must be at most 100').default(20),
      cursor: Cursor.optional(),
    })
    .strict(),
  output: z.object({ approvals: z.array(ApprovalOut).describe('Newest first'), nextCursor: NextCursorOut }),
} satisfies ToolContract;

export const GetApproval = {
  name: 'get_approval',
  input: z.object({ id: ApprovalId }).strict(),
  output: ApprovalOut,
} satisfies ToolContract;

export const DecideApproval = {
  name: 'decide_approval',
  input: z
    .object({
      id: ApprovalId,
      decision: DecideApprovalInput.shape.decision.describe('approve or reject'),
      reason: DecideApprovalInput.shape.reason.describe('Why; required to reject'),
    })
    .strict(),
  output: ApprovalOut,
} satisfies ToolContract;

export const RequestApproval = {
  name: 'request_approval',
  input: z
    .object({
      tool: AgentAction.shape.tool.describe('The exact tool that would run once approved'),
      arguments: AgentAction.shape.arguments.describe('Its exact arguments'),
      summary: z.string().trim().min(1, 'summary is required').max(2000, 'must be at most 2000 characters').describe('What would happen and why it waits, for the approver'),
      risk: ApprovalRisk.default('medium'),
      expiresInHours: z.number().positive('must be more than 0').max(720, 'must be at most 720 (30 days)').optional().describe('Default 24'),
      subject: z
        .object({ type: z.literal('chat_thread'), id: z.string().trim().min(1).max(300) })
        .strict()
        .optional()
        .describe('The conversation waiting for the decision'),
      idempotencyKey: z.string().trim().min(1).max(300).optional().describe('Filing the same key again returns the first request'),
    })
    .strict(),
  output: ApprovalOut,
} satisfies ToolContract;
