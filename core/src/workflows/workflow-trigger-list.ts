import { z } from 'zod';
import { authorize } from '../auth/rbac.ts';
import type { Database } from '../db/database.ts';
import { AppError } from '../errors/app-error.ts';
import { parseOrThrow } from '../errors/zod-issues.ts';
import type { Actor } from '../users/user.schema.ts';
import { nextCronRun } from './workflow-validation.ts';
import { Condition, CronSchedule, TRIGGER_EVENTS, TriggerType, type WorkflowDefinition } from './workflow.schema.ts';

/** What starts a workflow: its trigger as the trigger matcher and the cron scheduler see it. */
export const WorkflowTriggerInfo = z.object({
  workflowId: z.uuid(),
  name: z.string(),
  version: z.number().int().describe('The current version, whose trigger this is'),
  isActive: z.boolean(),
  type: TriggerType,
  conditions: z.array(Condition),
  schedule: CronSchedule.nullable(),
  event: z.string().nullable().describe('The outbox event that starts event-driven triggers (e.g. contact.created)'),
  nextRunAt: z.date().nullable().describe('TIME_BASED: the next slot the scheduler fires (a slot in the past is due and fires on the next tick)'),
  lastScheduledAt: z.date().nullable().describe('TIME_BASED: when the scheduler last fired a slot'),
  webhookPath: z.string().nullable().describe('WEBHOOK: where to POST signed requests'),
});
export type WorkflowTriggerInfo = z.infer<typeof WorkflowTriggerInfo>;

export const ListTriggersQuery = z
  .object({
    type: TriggerType.optional(),
    /** Default: only active workflows (those whose triggers fire). */
    includeInactive: z.boolean().default(false),
    limit: z.number().int().min(1).max(500).default(200),
  })
  .strict();

interface TriggerRow {
  id: string;
  name: string;
  version: number;
  is_active: boolean;
  created_at: Date | string;
  last_scheduled_at: Date | string | null;
  definition: WorkflowDefinition;
}

const SELECT = `SELECT w.id, w.name, w.current_version AS version, w.is_active, w.created_at, w.last_scheduled_at, v.definition
  FROM workflows w JOIN workflow_versions v ON v.workflow_id = w.id AND v.version = w.current_version`;

const when = (v: Date | string | null) => (v == null ? null : v instanceof Date ? v : new Date(v));

function toTrigger(row: TriggerRow): WorkflowTriggerInfo {
  const trigger = row.definition.trigger;
  const schedule = trigger.type === 'TIME_BASED' && trigger.schedule ? trigger.schedule : null;
  const lastScheduledAt = when(row.last_scheduled_at);
  let nextRunAt: Date | null = null;
  if (schedule && row.is_active) {
    // the scheduler's own rule (workflow-triggers.ts runSchedules): the first slot after the last fired one
    try {
      nextRunAt = nextCronRun(schedule.cron, schedule.timezone, lastScheduledAt ?? (when(row.created_at) as Date));
    } catch {
      nextRunAt = null; // validated on save; an unparsable stored schedule never fires
    }
  }
  return {
    workflowId: row.id,
    name: row.name,
    version: Number(row.version),
    isActive: row.is_active,
    type: trigger.type,
    conditions: trigger.conditions ?? [],
    schedule,
    event: TRIGGER_EVENTS[trigger.type] ?? null,
    nextRunAt,
    lastScheduledAt: schedule ? lastScheduledAt : null,
    webhookPath: trigger.type === 'WEBHOOK' ? `/api/v1/workflows/${row.id}/webhook` : null,
  };
}

/** The tenant's workflow triggers (active workflows by default), newest workflow first. */
export async function listWorkflowTriggers(db: Database, actor: Actor, query: z.input<typeof ListTriggersQuery> = {}): Promise<WorkflowTriggerInfo[]> {
  authorize(actor, 'workflows:read');
  const q = parseOrThrow(ListTriggersQuery, query);
  const [rows] = await db.readAsTenant(actor.tenantId, [
    {
      sql: `${SELECT} WHERE ($1::boolean OR w.is_active) AND ($2::text IS NULL OR w.trigger_type = $2) ORDER BY w.created_at DESC, w.id LIMIT ${q.limit}`,
      params: [q.includeInactive, q.type ?? null],
    },
  ]);
  return (rows as unknown as TriggerRow[]).map(toTrigger);
}

/** One workflow's trigger (active or not); NOT_FOUND for an unknown or another tenant's workflow. */
export async function getWorkflowTrigger(db: Database, actor: Actor, workflowId: string): Promise<WorkflowTriggerInfo> {
  authorize(actor, 'workflows:read');
  const id = parseOrThrow(z.uuid('must be a workflow id (UUID)'), workflowId, 'workflowId');
  const [rows] = await db.readAsTenant(actor.tenantId, [{ sql: `${SELECT} WHERE w.id = $1`, params: [id] }]);
  if (!rows.length) throw AppError.notFound('Workflow', id);
  return toTrigger(rows[0] as unknown as TriggerRow);
}
