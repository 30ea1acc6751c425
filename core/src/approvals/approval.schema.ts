import { z } from 'zod';

export const APPROVAL_KINDS = ['agent_action', 'workflow_step', 'workflow_activation'] as const;
export const ApprovalKind = z.enum(APPROVAL_KINDS);
export type ApprovalKind = z.infer<typeof ApprovalKind>;

export const APPROVAL_STATUSES = ['pending', 'approved', 'rejected', 'expired'] as const;
export const ApprovalStatus = z.enum(APPROVAL_STATUSES);
export type ApprovalStatus = z.infer<typeof ApprovalStatus>;

export const ApprovalRisk = z.enum(['low', 'medium', 'high']);
export type ApprovalRisk = z.infer<typeof ApprovalRisk>;

/** What happened to an approved agent action: `none` for kinds the queue does not execute itself. */
export const ApprovalExecutionStatus = z.enum(['none', 'pending', 'running', 'succeeded', 'failed']);

export const DEFAULT_APPROVAL_TTL_HOURS = 24;

const ToolName = z.string().regex(/^[a-z][a-z0-9]*(_[a-z0-9]+)+$/, 'must be an MCP tool name in snake_case, e.g. send_email');
const Subject = z
  .object({
    type: z.enum(['chat_thread', 'workflow_execution', 'workflow']).describe('Where the one waiting for the decision is'),
    id: z.string().trim().min(1, 'must not be empty').max(300, 'must be at most 300 characters'),
  })
  .strict();

const common = {
  summary: z.string().trim().min(1, 'summary is required').max(2000, 'must be at most 2000 characters').describe('What would happen, for the approver'),
  risk: ApprovalRisk.default('medium'),
  expiresInHours: z.number().positive('must be more than 0').max(24 * 30, 'must be at most 720 (30 days)').optional().describe('Default 24 (APPROVAL_TTL_HOURS)'),
  subject: Subject.optional(),
  idempotencyKey: z.string().trim().min(1).max(300, 'must be at most 300 characters').optional().describe('Filing the same key again returns the first request'),
};

export const AgentAction = z.object({ tool: ToolName, arguments: z.record(z.string(), z.unknown()).default({}) }).strict();
export type AgentAction = z.infer<typeof AgentAction>;
export const WorkflowStepAction = z
  .object({ workflowId: z.uuid(), executionId: z.uuid(), stepId: z.string().min(1).max(100), stepType: z.string().min(1).max(50), config: z.record(z.string(), z.unknown()) })
  .strict();
export const WorkflowActivationAction = z.object({ workflowId: z.uuid(), version: z.number().int().min(1) }).strict();

export const RequestApprovalInput = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('agent_action'), action: AgentAction, ...common }).strict(),
  z.object({ kind: z.literal('workflow_step'), action: WorkflowStepAction, ...common }).strict(),
  z.object({ kind: z.literal('workflow_activation'), action: WorkflowActivationAction, ...common }).strict(),
]);
export type RequestApprovalInput = z.input<typeof RequestApprovalInput>;

export const DecideApprovalInput = z
  .object({
    decision: z.enum(['approve', 'reject']),
    reason: z.string().trim().max(1000, 'must be at most 1000 characters').optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.decision === 'reject' && !v.reason) ctx.addIssue({ code: 'custom', path: ['reason'], message: 'a rejection needs a reason' });
  });
export type DecideApprovalInput = z.input<typeof DecideApprovalInput>;

export const ListApprovalsQuery = z
  .object({
    /** `decided` = approved, rejected or expired. */
    status: z.enum(['pending', 'decided', 'approved', 'rejected', 'expired', 'all']).default('pending'),
    kind: ApprovalKind.optional(),
    subjectType: Subject.shape.type.optional(),
    subjectId: Subject.shape.id.optional(),
    limit: z.number().int().min(1).max(200).default(50),
    /** Keyset: only approvals filed before this one (newest first). */
    before: z.object({ createdAt: z.coerce.date(), id: z.uuid() }).strict().optional(),
  })
  .strict();
export type ListApprovalsQuery = z.input<typeof ListApprovalsQuery>;

export const Approval = z.object({
  id: z.uuid(),
  tenantId: z.uuid(),
  kind: ApprovalKind,
  status: ApprovalStatus,
  action: z.record(z.string(), z.unknown()),
  summary: z.string(),
  risk: ApprovalRisk,
  requestedBy: z.uuid(),
  requestedByKind: z.enum(['user', 'system']),
  via: z.string().nullable(),
  requestedFor: z.uuid(),
  subjectType: z.string().nullable(),
  subjectId: z.string().nullable(),
  expiresAt: z.date(),
  decidedBy: z.uuid().nullable(),
  decidedAt: z.date().nullable(),
  reason: z.string().nullable(),
  executionStatus: ApprovalExecutionStatus,
  executionResult: z.unknown(),
  executedAt: z.date().nullable(),
  createdAt: z.date(),
});
export type Approval = z.infer<typeof Approval>;
