import { z } from 'zod';
import { boundedJsonObject } from '../errors/safe-input.schema.ts';

/** The design document's TriggerType, plus CONTACT_STATUS_CHANGED for its lead-to-customer journey. */
export const TRIGGER_TYPES = [
  'CONTACT_CREATED',
  'CONTACT_STATUS_CHANGED',
  'INTERACTION_LOGGED',
  'LEAD_SCORE_CHANGED',
  'TIME_BASED',
  'MANUAL',
  'WEBHOOK',
] as const;
export const TriggerType = z.enum(TRIGGER_TYPES);
export type TriggerType = z.infer<typeof TriggerType>;

/** Which outbox event starts a workflow of each event-driven trigger type. */
export const TRIGGER_EVENTS: Partial<Record<TriggerType, string>> = {
  CONTACT_CREATED: 'contact.created',
  CONTACT_STATUS_CHANGED: 'contact.status_changed',
  INTERACTION_LOGGED: 'interaction.logged',
  LEAD_SCORE_CHANGED: 'lead_score.changed',
};

export const STEP_TYPES = ['SEND_EMAIL', 'CREATE_TASK', 'UPDATE_CONTACT', 'AI_DECISION', 'WAIT', 'WEBHOOK_CALL', 'ASSIGN_USER'] as const;
export const StepType = z.enum(STEP_TYPES);
export type StepType = z.infer<typeof StepType>;

export const CONDITION_OPERATORS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'contains', 'changed_to', 'exists'] as const;
export const ConditionOperator = z.enum(CONDITION_OPERATORS);
export type ConditionOperator = z.infer<typeof ConditionOperator>;

/** A dotted path into the execution context: `contact.leadScore`, `event.to`, `variables.tier`, `input.plan`. */
export const FieldPath = z
  .string()
  .trim()
  .regex(/^(contact|event|variables|input|steps)(\.[A-Za-z0-9_-]+)+$/, 'must be a path under contact., event., variables., input. or steps. (e.g. contact.status)');

/** TriggerCondition and StepCondition of the design document share this shape. */
export const Condition = z
  .object({
    field: FieldPath.describe('Where the value comes from, e.g. contact.status or event.to'),
    operator: ConditionOperator.describe('eq, neq, gt, gte, lt, lte, in, contains, changed_to, exists'),
    value: z.unknown().optional().describe('What to compare with; a list for `in`; true/false for `exists`'),
  })
  .strict();
export type Condition = z.infer<typeof Condition>;

export const CronSchedule = z
  .object({
    cron: z.string().trim().min(9, 'must be a cron expression, e.g. "0 9 * * 1"').max(120),
    timezone: z.string().trim().max(64).default('UTC'),
  })
  .strict();
export type CronSchedule = z.infer<typeof CronSchedule>;

export const WorkflowTrigger = z
  .object({
    type: TriggerType,
    conditions: z.array(Condition).max(20).default([]),
    schedule: CronSchedule.optional(),
  })
  .strict();
export type WorkflowTrigger = z.infer<typeof WorkflowTrigger>;

export const ERROR_STRATEGIES = ['retry', 'skip', 'fail', 'goto'] as const;
export const ErrorHandling = z
  .object({
    strategy: z.enum(ERROR_STRATEGIES).default('retry'),
    /** Attempts after the first; the engine never retries more than 3 times. */
    maxRetries: z.number().int().min(0).max(3).default(3),
    /** First backoff; doubles every attempt. */
    backoffMs: z.number().int().min(0).max(600_000).default(1000),
    /** With `goto`, or after retries are exhausted under `retry`: continue here instead of failing. */
    gotoStep: z.string().optional(),
    /** What to do when retries are exhausted. */
    then: z.enum(['fail', 'skip', 'goto']).default('fail'),
  })
  .strict();
export type ErrorHandling = z.infer<typeof ErrorHandling>;

const template = (max: number) => z.string().max(max, `must be at most ${max} characters`);

/** On steps with an effect: park the execution until a manager approves the step in the approval queue. */
const approvable = {
  requiresApproval: z.boolean('must be true or false').optional().describe('Wait for a manager\'s approval (crm approvals) before this step acts; a rejection or expiry is handled by onError'),
};

export const SendEmailConfig = z
  .object({
    ...approvable,
    to: template(500).default('{{contact.email}}'),
    subject: template(300).min(1, 'subject is required'),
    body: template(20_000).min(1, 'body is required'),
  })
  .strict();
export const CreateTaskConfig = z
  .object({
    ...approvable,
    title: template(300).min(1, 'title is required'),
    notes: template(5000).optional(),
    dueInHours: z.number().min(0).max(24 * 365).default(24),
    ownerId: z.uuid().optional(),
  })
  .strict();
export const UpdateContactConfig = z
  .object({
    ...approvable,
    status: z.enum(['LEAD', 'PROSPECT', 'CUSTOMER', 'INACTIVE']).optional(),
    company: template(200).optional(),
    position: template(200).optional(),
    customFields: z.record(z.string().min(1).max(100), z.unknown()).optional(),
  })
  .strict()
  .refine((c) => Object.keys(c).some((k) => k !== 'requiresApproval'), 'must change at least one of status, company, position, customFields');
export const RuleBranch = z.object({ when: z.array(Condition).min(1), goTo: z.string() }).strict();
export const AiDecisionConfig = z
  .object({
    question: template(2000).min(1, 'question is required'),
    branches: z.array(z.object({ stepId: z.string(), description: z.string().min(1).max(500) }).strict()).min(2, 'needs at least two branches'),
    /** The documented rule fallback: used with the `local` provider or when the model is unavailable. */
    fallback: z.object({ rules: z.array(RuleBranch).default([]), default: z.string() }).strict(),
  })
  .strict();
export const WaitConfig = z
  .object({
    seconds: z.number().min(0).optional(),
    minutes: z.number().min(0).optional(),
    hours: z.number().min(0).optional(),
    days: z.number().min(0).optional(),
  })
  .strict()
  .refine((c) => Object.values(c).some((v) => v !== undefined), 'needs one of seconds, minutes, hours, days');
export const WebhookCallConfig = z
  .object({
    ...approvable,
    url: z.url('must be an http(s) URL').refine((u) => /^https?:/i.test(u), 'must be an http(s) URL'),
    method: z.enum(['POST', 'PUT']).default('POST'),
    /** JSON body; string values are templates. Defaults to the contact and event. */
    body: z.record(z.string(), z.unknown()).optional(),
    timeoutMs: z.number().int().min(100).max(30_000).default(10_000),
  })
  .strict();
export const AssignUserConfig = z
  .object({ ...approvable, userIds: z.array(z.uuid('must be a user id (UUID)')).min(1, 'needs at least one user id') })
  .strict()
  .describe('One user, or several picked round-robin by contact');

export const STEP_CONFIGS = {
  SEND_EMAIL: SendEmailConfig,
  CREATE_TASK: CreateTaskConfig,
  UPDATE_CONTACT: UpdateContactConfig,
  AI_DECISION: AiDecisionConfig,
  WAIT: WaitConfig,
  WEBHOOK_CALL: WebhookCallConfig,
  ASSIGN_USER: AssignUserConfig,
} as const satisfies Record<StepType, z.ZodType>;
export type StepConfigOf<T extends StepType> = z.infer<(typeof STEP_CONFIGS)[T]>;

export const StepId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be a short lower-case id (a-z, 0-9, _ and -)');

/** `config` is checked against the step type by validateDefinition, which names the step. */
/** "SEND_EMAIL: {subject, body, to?, requiresApproval?}; …": the fields of each step type's config (`?` optional). */
function configFields(): string {
  return Object.entries(STEP_CONFIGS)
    .map(([type, schema]) => {
      const shape = (schema as unknown as { shape?: Record<string, z.ZodType> }).shape ?? (schema as unknown as { _zod: { def: { in?: { shape: Record<string, z.ZodType> } } } })._zod.def.in?.shape ?? {};
      const fields = Object.entries(shape).map(([k, f]) => `${k}${f.safeParse(undefined).success ? '?' : ''}`);
      return `${type}: {${fields.join(', ')}}`;
    })
    .join('; ');
}

export const WorkflowStep = z
  .object({
    id: StepId,
    name: z.string().trim().min(1).max(200),
    type: StepType,
    // a free object in JSON Schema (one shape per type): a model saw no field of any step's config
    config: z
      .record(z.string(), z.unknown())
      .describe(
        `Fields by step type (? = optional; text fields are templates like {{contact.firstName}}): ${configFields()}. ` +
          'WAIT needs one of seconds/minutes/hours/days; AI_DECISION branches are [{stepId, description}] and fallback {rules: [{when: [condition], goTo}], default}',
      ),
    conditions: z.array(Condition).max(20).optional(),
    nextSteps: z.array(z.string()).max(10).default([]),
    onError: ErrorHandling.default({ strategy: 'retry', maxRetries: 3, backoffMs: 1000, then: 'fail' }),
  })
  .strict();
export type WorkflowStep = z.infer<typeof WorkflowStep>;

/** What a user writes: the definition saved as one immutable version. */
export const WorkflowDefinition = z
  .object({
    name: z.string().trim().normalize('NFC').min(1, 'name is required').max(200),
    description: z.string().trim().normalize('NFC').max(2000).optional(),
    trigger: WorkflowTrigger,
    steps: z.array(WorkflowStep).min(1, 'needs at least one step').max(50),
    variables: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'variable names are identifiers'), z.unknown()).default({}),
    tags: z.array(z.string().trim().min(1).max(50)).max(20).default([]),
  })
  .strict();
export type WorkflowDefinition = z.infer<typeof WorkflowDefinition>;
export type WorkflowDefinitionInput = z.input<typeof WorkflowDefinition>;

export const CreateWorkflowInput = WorkflowDefinition.extend({ ownerId: z.uuid().optional(), isActive: z.boolean().default(false) }).strict();
export type CreateWorkflowInput = z.input<typeof CreateWorkflowInput>;

/** A manual run: the values templates read as {{input.name}} (a bounded JSON object) and the contact it is about. */
export const ManualRunInput = z
  .object({
    input: boundedJsonObject().optional().describe('Values templates read as {{input.name}}'),
    contactId: z.uuid('must be a contact id (UUID)').optional().describe('The contact the run is about (for contact steps and templates)'),
  })
  .strict();
export type ManualRunInput = z.input<typeof ManualRunInput>;

export const ExecutionStats = z.object({
  total: z.number().int(),
  running: z.number().int(),
  waiting: z.number().int(),
  completed: z.number().int(),
  failed: z.number().int(),
  averageDurationMs: z.number().nullable(),
});
export type ExecutionStats = z.infer<typeof ExecutionStats>;

/** The design document's Workflow model. */
export const Workflow = WorkflowDefinition.extend({
  id: z.uuid(),
  version: z.number().int().min(1),
  isActive: z.boolean(),
  owner: z.uuid(),
  createdAt: z.date(),
  updatedAt: z.date(),
  lastExecuted: z.date().nullable(),
  executionStats: ExecutionStats,
  webhookSecret: z
    .string()
    .optional()
    .describe('Inbound webhook signing secret (WEBHOOK workflows): only in the answer that made it one (create or edit); store it now, it is never shown again (rotate for a new one)'),
});
export type Workflow = z.infer<typeof Workflow>;

export const EXECUTION_STATUSES = ['pending', 'running', 'waiting', 'completed', 'failed', 'cancelled'] as const;
export const ExecutionStatus = z.enum(EXECUTION_STATUSES);
export type ExecutionStatus = z.infer<typeof ExecutionStatus>;

export const StepAttempt = z.object({
  stepId: z.string(),
  attempt: z.number().int(),
  status: z.enum(['succeeded', 'failed', 'skipped']),
  input: z.unknown(),
  output: z.unknown(),
  error: z.string().nullable(),
  startedAt: z.date(),
  finishedAt: z.date(),
});
export type StepAttempt = z.infer<typeof StepAttempt>;

export const WorkflowExecution = z.object({
  id: z.uuid(),
  tenantId: z.uuid(),
  workflowId: z.uuid(),
  version: z.number().int(),
  status: ExecutionStatus,
  triggerType: TriggerType,
  triggerEventId: z.uuid().nullable(),
  contactId: z.uuid().nullable(),
  input: z.record(z.string(), z.unknown()),
  output: z.unknown(),
  error: z.string().nullable(),
  wakeAt: z.date().nullable(),
  createdAt: z.date(),
  finishedAt: z.date().nullable(),
  steps: z.array(StepAttempt).optional(),
});
export type WorkflowExecution = z.infer<typeof WorkflowExecution>;
