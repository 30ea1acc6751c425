import type { ConditionContext } from './workflow-conditions.ts';
import type { ExecutionStats, StepAttempt, Workflow, WorkflowDefinition, WorkflowExecution } from './workflow.schema.ts';

export interface WorkflowRow {
  id: string;
  tenant_id: string;
  current_version: number;
  is_active: boolean;
  owner_id: string;
  created_at: Date | string;
  updated_at: Date | string;
  last_executed_at: Date | string | null;
  definition: WorkflowDefinition;
  total?: number | string;
  running?: number | string;
  waiting?: number | string;
  completed?: number | string;
  failed?: number | string;
  avg_ms?: number | string | null;
}

export interface ExecutionRow {
  id: string;
  tenant_id: string;
  workflow_id: string;
  version: number;
  status: WorkflowExecution['status'];
  trigger_type: WorkflowExecution['triggerType'];
  trigger_event_id: string | null;
  contact_id: string | null;
  input: Record<string, unknown>;
  output: unknown;
  error: string | null;
  wake_at: Date | string | null;
  created_at: Date | string;
  finished_at: Date | string | null;
  runs?: number;
}

const date = (v: Date | string) => (v instanceof Date ? v : new Date(v));
const maybeDate = (v: Date | string | null | undefined) => (v == null ? null : date(v));

/** Aggregates of a workflow's executions, joined by the service's list/get query. */
export const STATS_SQL = `
  (SELECT count(*) FROM workflow_executions e WHERE e.workflow_id = w.id) AS total,
  (SELECT count(*) FROM workflow_executions e WHERE e.workflow_id = w.id AND e.status IN ('pending','running')) AS running,
  (SELECT count(*) FROM workflow_executions e WHERE e.workflow_id = w.id AND e.status = 'waiting') AS waiting,
  (SELECT count(*) FROM workflow_executions e WHERE e.workflow_id = w.id AND e.status = 'completed') AS completed,
  (SELECT count(*) FROM workflow_executions e WHERE e.workflow_id = w.id AND e.status = 'failed') AS failed,
  (SELECT avg(extract(epoch FROM e.finished_at - e.created_at) * 1000) FROM workflow_executions e
    WHERE e.workflow_id = w.id AND e.status = 'completed') AS avg_ms`;

export function toWorkflow(row: WorkflowRow): Workflow {
  const stats: ExecutionStats = {
    total: Number(row.total ?? 0),
    running: Number(row.running ?? 0),
    waiting: Number(row.waiting ?? 0),
    completed: Number(row.completed ?? 0),
    failed: Number(row.failed ?? 0),
    averageDurationMs: row.avg_ms == null ? null : Math.round(Number(row.avg_ms)),
  };
  return {
    ...row.definition,
    id: row.id,
    version: row.current_version,
    isActive: row.is_active,
    owner: row.owner_id,
    createdAt: date(row.created_at),
    updatedAt: date(row.updated_at),
    lastExecuted: maybeDate(row.last_executed_at),
    executionStats: stats,
  };
}

export function toExecution(row: ExecutionRow, steps?: StepAttempt[]): WorkflowExecution {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    workflowId: row.workflow_id,
    version: row.version,
    status: row.status,
    triggerType: row.trigger_type,
    triggerEventId: row.trigger_event_id,
    contactId: row.contact_id,
    input: row.input ?? {},
    output: row.output ?? null,
    error: row.error,
    wakeAt: maybeDate(row.wake_at),
    createdAt: date(row.created_at),
    finishedAt: maybeDate(row.finished_at),
    ...(steps ? { steps } : {}),
  };
}

export function toAttempt(row: Record<string, unknown>): StepAttempt {
  return {
    stepId: row.step_id as string,
    attempt: Number(row.attempt),
    status: row.status as StepAttempt['status'],
    input: row.input ?? null,
    output: row.output ?? null,
    error: (row.error as string | null) ?? null,
    startedAt: date(row.started_at as string),
    finishedAt: date(row.finished_at as string),
  };
}

const DAY = 86_400_000;

/** The contact as conditions and templates see it: its fields plus derived ones (days since…). */
export function contactContext(row: Record<string, unknown> | null, now = Date.now()): ConditionContext['contact'] {
  if (!row) return null;
  const get = (camel: string, snake: string) => row[camel] ?? row[snake];
  const ms = (v: unknown) => (v == null ? null : new Date(v as string).getTime());
  const last = ms(get('lastContactDate', 'last_contact_date'));
  const created = ms(get('createdAt', 'created_at'));
  const contact: Record<string, unknown> = {
    id: row.id,
    tenantId: get('tenantId', 'tenant_id'),
    firstName: get('firstName', 'first_name'),
    lastName: get('lastName', 'last_name'),
    email: row.email,
    phone: row.phone ?? null,
    company: row.company ?? null,
    position: row.position ?? null,
    leadScore: Number(get('leadScore', 'lead_score') ?? 0),
    status: row.status,
    source: row.source,
    assignedTo: get('assignedTo', 'assigned_to') ?? null,
    customFields: get('customFields', 'custom_fields') ?? {},
    metadata: row.metadata ?? {},
    lastContactDate: last == null ? null : new Date(last).toISOString(),
    createdAt: created == null ? null : new Date(created).toISOString(),
    updatedAt: get('updatedAt', 'updated_at') ?? null,
  };
  contact.fullName = `${contact.firstName ?? ''} ${contact.lastName ?? ''}`.trim();
  // never contacted counts from creation
  contact.daysSinceLastContact = Math.floor((now - (last ?? created ?? now)) / DAY);
  contact.daysSinceCreated = created == null ? null : Math.floor((now - created) / DAY);
  return contact;
}
