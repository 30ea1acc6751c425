import { CreateWorkflowInput, DryRunResult, ExecutionStatus, ManualRunInput, STEP_TYPES, StepAttempt, TRIGGER_TYPES, Workflow, WorkflowDefinition, WorkflowExecution } from '@crm/core/contracts';
import { z } from 'zod';
import type { ToolContract } from '../../framework/tool.ts';
import { IsoDateTime } from '../crm-data/common.contract.ts';

export const WorkflowId = z.uuid('must be a workflow id (UUID)').describe('Workflow id (UUID), e.g. from list_workflows');
export const ExecutionId = z.uuid('must be an execution id (UUID)').describe('Execution id (UUID), e.g. from list_executions');

export const WorkflowOut = Workflow.extend({ createdAt: IsoDateTime, updatedAt: IsoDateTime, lastExecuted: IsoDateTime.nullable() });
/**
 * What a write (create, update, activate, deactivate, install_template) answers: the stored
 * workflow with every field, but its schema names a trigger and a step by kind only; get_workflow's
 * outputSchema and create_workflow's inputSchema describe them whole. Five more copies of the full
 * definition were ~20 KB of every tools/list (and as many validators for a client to compile).
 */
export const WorkflowWrittenOut = WorkflowOut.extend({
  trigger: z.looseObject({ type: z.enum(TRIGGER_TYPES) }).describe('As get_workflow shows it: type, conditions, schedule'),
  steps: z
    .array(z.looseObject({ id: z.string(), name: z.string(), type: z.enum(STEP_TYPES) }))
    .describe('As get_workflow shows them: id, name, type, config, conditions, nextSteps, onError'),
  variables: z.record(z.string(), z.unknown()),
});
export const WorkflowSummaryOut = WorkflowOut.pick({ id: true, name: true, version: true, isActive: true, tags: true, owner: true, lastExecuted: true, executionStats: true }).extend({
  triggerType: z.string(),
});
export const ExecutionOut = WorkflowExecution.extend({
  wakeAt: IsoDateTime.nullable(),
  createdAt: IsoDateTime,
  finishedAt: IsoDateTime.nullable(),
  steps: z.array(StepAttempt.extend({ startedAt: IsoDateTime, finishedAt: IsoDateTime })).optional(),
});

const id = z.object({ id: WorkflowId }).strict();

export const ListWorkflows = {
  name: 'list_workflows',
  input: z
    .object({
      active: z.boolean().optional().describe('Only active (true) or inactive (false) workflows'),
      tag: z.string().optional().describe('Only workflows with this tag'),
      limit: z.number().int().min(1).max(200).default(100),
    })
    .strict(),
  output: z.object({ workflows: z.array(WorkflowSummaryOut) }),
} satisfies ToolContract;

export const GetWorkflow = { name: 'get_workflow', input: id, output: WorkflowOut } satisfies ToolContract;

export const CreateWorkflow = {
  name: 'create_workflow',
  input: CreateWorkflowInput.describe('A workflow definition; validated (steps, next steps, reachability, cycles, templates) before it is saved'),
  output: WorkflowWrittenOut,
} satisfies ToolContract;

export const UpdateWorkflow = {
  name: 'update_workflow',
  input: z.object({ id: WorkflowId, definition: WorkflowDefinition.describe('The complete new definition; saved as the next version') }).strict(),
  output: WorkflowWrittenOut,
} satisfies ToolContract;

export const Activation = z.object({
  status: z.enum(['active', 'pending_approval']).describe('active: switched on now; pending_approval: a workflow_activation approval was filed and the workflow stays inactive'),
  approvalId: z.uuid().nullable().describe('The approval to decide (list_approvals / decide_approval) when pending'),
  version: z.number().int().describe('The version that is (or, once approved, will be) active'),
  expiresAt: IsoDateTime.nullable(),
});
export const ActivateWorkflow = {
  name: 'activate_workflow',
  input: id,
  output: WorkflowWrittenOut.extend({ activation: Activation }),
} satisfies ToolContract;

export const RotateWebhookSecret = {
  name: 'rotate_webhook_secret',
  input: id,
  output: z.object({
    workflowId: WorkflowId,
    webhookSecret: z.string().describe('The new signing secret, shown only now; the previous one stops working at once'),
    rotatedAt: IsoDateTime,
  }),
} satisfies ToolContract;
export const DeactivateWorkflow = { name: 'deactivate_workflow', input: id, output: WorkflowWrittenOut } satisfies ToolContract;

export const DryRunWorkflow = {
  name: 'dry_run_workflow',
  input: z
    .object({
      id: WorkflowId.optional().describe('A saved workflow (its current version)'),
      definition: WorkflowDefinition.optional().describe('Or a draft definition that is not saved'),
      days: z.number().int().min(1).max(365).default(30).describe('Replay the tenant\'s events of this many past days'),
      limit: z.number().int().min(1).max(500).default(50).describe('Most entries listed (all are counted)'),
    })
    .strict(),
  // core's report schema, so the tool's output schema cannot drift from what the service returns
  output: DryRunResult,
} satisfies ToolContract;

export const ExecuteWorkflow = {
  name: 'execute_workflow',
  input: z
    .object({
      id: WorkflowId,
      ...ManualRunInput.shape,
    })
    .strict(),
  output: ExecutionOut,
} satisfies ToolContract;

export const CompleteWorkflowStep = {
  name: 'complete_workflow_step',
  input: z
    .object({
      executionId: ExecutionId,
      stepId: z.string().min(1).describe('The failed step (the execution must be failed at it)'),
      output: z.record(z.string(), z.unknown()).optional().describe('What the step produced, read later as {{steps.<stepId>.x}}; an AI_DECISION needs stepId: the branch taken'),
    })
    .strict(),
  output: ExecutionOut,
} satisfies ToolContract;

export const CancelExecution = {
  name: 'cancel_execution',
  input: z
    .object({
      executionId: ExecutionId,
      reason: z.string().max(500).optional().describe('Kept as the execution\'s error: "cancelled: <reason>"'),
    })
    .strict(),
  output: ExecutionOut,
} satisfies ToolContract;

export const GetExecution = { name: 'get_execution', input: z.object({ id: ExecutionId }).strict(), output: ExecutionOut } satisfies ToolContract;

export const ListExecutions = {
  name: 'list_executions',
  input: z
    .object({
      workflowId: WorkflowId.optional(),
      contactId: z.uuid('must be a contact id (UUID)').optional(),
      status: ExecutionStatus.optional(),
      limit: z.number().int().min(1).max(200).default(50),
    })
    .strict(),
  output: z.object({ executions: z.array(ExecutionOut) }),
} satisfies ToolContract;

export const ListTemplates = {
  name: 'list_templates',
  input: z.object({}).strict(),
  output: z.object({ templates: z.array(z.object({ key: z.string(), name: z.string(), description: z.string(), triggerType: z.string() })) }),
} satisfies ToolContract;

export const InstallTemplate = {
  name: 'install_template',
  input: z
    .object({
      key: z.string().describe('Template key from list_templates, e.g. new-customer-onboarding'),
      variables: z.record(z.string(), z.unknown()).optional().describe('Override template variables, e.g. {"companyName": "Acme"}'),
    })
    .strict(),
  output: WorkflowWrittenOut,
} satisfies ToolContract;

/** In lists the HTML is cut here (a report's HTML with charts runs to hundreds of KB); crm://mailbox/{id} has all of it. */
export const MAILBOX_HTML_PREVIEW_CHARS = 4000;

export const MailboxAttachmentOut = z.object({
  filename: z.string(),
  contentType: z.string(),
  cid: z.string().nullable().describe('Content-ID of an inline image (the HTML refers to it as cid:...)'),
  size: z.number().int().describe('Bytes'),
  uri: z.string().describe('Read this resource for the bytes: crm://mailbox/{id}/attachments/{filename}'),
});

export const MailboxMessageOut = z.object({
  id: z.string(),
  from: z.string(),
  to: z.string(),
  subject: z.string(),
  body: z.string().describe('Plain-text body'),
  html: z.string().nullable().describe(`HTML alternative, cut at ${MAILBOX_HTML_PREVIEW_CHARS} characters (see htmlTruncated)`),
  htmlTruncated: z.boolean().describe('true when html was cut: read uri (crm://mailbox/{id}) for the whole HTML'),
  attachments: z.array(MailboxAttachmentOut),
  uri: z.string().describe('crm://mailbox/{id}: the whole message with its full HTML'),
  workflowId: z.string().nullable(),
  executionId: z.string().nullable(),
  createdAt: IsoDateTime,
});

export const ListMailbox = {
  name: 'list_mailbox',
  input: z.object({ to: z.string().optional().describe('Only mail to this address'), limit: z.number().int().min(1).max(500).default(50) }).strict(),
  output: z.object({ messages: z.array(MailboxMessageOut) }),
} satisfies ToolContract;
