import { inTenantTx } from '../db/tenant-tx.ts';
import type { Logger } from '../logger.ts';
import type { OutboxDispatcher } from '../outbox/outbox.dispatcher.ts';
import type { OutboxEvent } from '../outbox/outbox.schema.ts';
import { AppError } from '../errors/app-error.ts';
import { isUuid } from '../errors/uuid.ts';
import { recordWebhookReceipt, verifyWebhook } from './webhook-signature.ts';
import { createWebhookSecretBox, type WebhookSecretBox } from './webhook-secret.ts';
import { evaluateConditions, type ConditionContext } from './workflow-conditions.ts';
import { nextCronRun } from './workflow-validation.ts';
import { contactContext } from './workflow.rows.ts';
import { EXECUTIONS_QUEUED, insertExecution, insertExecutions, type NewExecution } from './workflow.service.ts';
import { TRIGGER_EVENTS, type TriggerType, type WorkflowDefinition } from './workflow.schema.ts';
import { databaseOf, type DatabaseHandle } from '../db/database-handle.ts';

export const WORKFLOW_TRIGGER_CONSUMER = 'workflow-triggers';

/** Step types that act on the execution's contact (agents' step-effects read `contact.id`). */
const CONTACT_STEPS = new Set<string>(['CREATE_TASK', 'UPDATE_CONTACT', 'ASSIGN_USER']);

const EVENT_TRIGGERS = new Map(Object.entries(TRIGGER_EVENTS).map(([trigger, event]) => [event, trigger as TriggerType]));

interface ActiveWorkflow {
  id: string;
  version: number;
  definition: WorkflowDefinition;
}

/** What the triggering change replaced, for `changed_to` (e.g. the status before a status change). */
function beforeOf(event: OutboxEvent): ConditionContext['before'] {
  const p = event.payload as Record<string, unknown>;
  if (event.type === 'contact.status_changed') return { contact: { status: p.from } };
  if (event.type === 'lead_score.changed') return { contact: { leadScore: p.from } };
  return {};
}

/**
 * Starts executions: outbox events matched against the conditions of the tenant's active
 * workflows of that trigger type, and cron schedules of TIME_BASED workflows. Both only queue
 * executions (with `workflow.triggered`); the worker runs them.
 */
export function createWorkflowTriggers(handle: DatabaseHandle, logger: Logger, options: { secrets?: WebhookSecretBox } = {}) {
  const db = databaseOf(handle);
  const secrets = options.secrets ?? createWebhookSecretBox();
  /**
   * Many events (the outbox's batch delivery), per tenant: the active workflows of every trigger
   * type the events need in one read (none — the usual case — ends it there), the contacts the
   * events do not carry in one more, then every matching execution queued in one statement.
   * Returns the ids of the executions queued (a redelivered event queues none).
   */
  async function queueFor(events: readonly OutboxEvent[], signal?: AbortSignal): Promise<string[]> {
    const byTenant = new Map<string, OutboxEvent[]>();
    for (const e of events) {
      if (!EVENT_TRIGGERS.has(e.type)) continue;
      const list = byTenant.get(e.tenantId);
      if (list) list.push(e);
      else byTenant.set(e.tenantId, [e]);
    }
    const started: string[] = [];
    for (const [tenantId, list] of byTenant) {
      signal?.throwIfAborted();
      const types = [...new Set(list.map((e) => EVENT_TRIGGERS.get(e.type)!))];
      const [rows] = await db.readAsTenant(tenantId, [
        {
          sql: `SELECT w.id, w.current_version AS version, w.trigger_type, v.definition FROM workflows w
                JOIN workflow_versions v ON v.workflow_id = w.id AND v.version = w.current_version
                WHERE w.is_active AND w.trigger_type IN (SELECT jsonb_array_elements_text($1::jsonb))`,
          params: [JSON.stringify(types)],
        },
      ]);
      const workflows = rows as unknown as (ActiveWorkflow & { trigger_type: TriggerType })[];
      if (!workflows.length) continue;
      const contactIdOf = (e: OutboxEvent) => (e.aggregateType === 'contact' ? e.aggregateId : null);
      const unread = [...new Set(list.filter((e) => !e.payload.contact && contactIdOf(e)).map((e) => contactIdOf(e)!))];
      const contacts = new Map<string, Record<string, unknown>>();
      if (unread.length) {
        const [found] = await db.readAsTenant(tenantId, [
          { sql: 'SELECT * FROM contacts WHERE id IN (SELECT (jsonb_array_elements_text($1::jsonb))::uuid)', params: [JSON.stringify(unread)] },
        ]);
        for (const r of found) contacts.set(r.id as string, r);
      }
      const queued: NewExecution[] = [];
      for (const event of list) {
        const type = EVENT_TRIGGERS.get(event.type)!;
        const mine = workflows.filter((w) => w.trigger_type === type);
        if (!mine.length) continue;
        const contactId = contactIdOf(event);
        const ctx: ConditionContext = {
          contact: contactContext((event.payload.contact as Record<string, unknown> | undefined) ?? (contactId ? (contacts.get(contactId) ?? null) : null)),
          event: event.payload,
          before: beforeOf(event),
        };
        for (const wf of mine) {
          if (!evaluateConditions(wf.definition.trigger.conditions, { ...ctx, variables: wf.definition.variables })) continue;
          queued.push({ workflowId: wf.id, version: wf.version, triggerType: type, triggerEventId: event.id, contactId, input: {}, event: event.payload });
        }
      }
      if (!queued.length) continue;
      started.push(...(await inTenantTx(db, { tenantId }, (em) => insertExecutions(em, tenantId, queued))));
    }
    if (started.length) {
      db.events.emit(EXECUTIONS_QUEUED);
      logger.debug({ events: events.length, executions: started.length }, 'workflows triggered');
    }
    return started;
  }

  /** The executions one event starts (ids), after matching every active workflow of its trigger type. */
  const handleEvent = (event: OutboxEvent): Promise<string[]> => queueFor([event]);

  /** Many events (the outbox's batch delivery); resolves with how many executions were queued. */
  const handleEvents = async (events: readonly OutboxEvent[], signal?: AbortSignal): Promise<number> => (await queueFor(events, signal)).length;

  /**
   * Fire due cron schedules (a plain `(now) => Promise<void>` job for the runtime's scheduler). The
   * slot is claimed with compare-and-set on `last_scheduled_at`, so replicas fire each slot once.
   * Trigger conditions over contact fields start one execution per matching contact.
   */
  async function runSchedules(now: Date = new Date()): Promise<number> {
    const due = await db.asWorker(async (c) =>
      (
        await c.query(
          `SELECT w.id, w.tenant_id, w.current_version AS version, w.last_scheduled_at, w.created_at, v.definition FROM workflows w
           JOIN workflow_versions v ON v.workflow_id = w.id AND v.version = w.current_version
           WHERE w.is_active AND w.trigger_type = 'TIME_BASED'`,
        )
      ).rows,
    );
    let started = 0;
    for (const wf of due) {
      const schedule = (wf.definition as WorkflowDefinition).trigger.schedule;
      if (!schedule) continue;
      const since: Date = wf.last_scheduled_at ?? wf.created_at;
      const slot = nextCronRun(schedule.cron, schedule.timezone, new Date(since));
      if (slot > now) continue;
      const claimed = await db.asWorker((c) =>
        c.query('UPDATE workflows SET last_scheduled_at = $2 WHERE id = $1 AND last_scheduled_at IS NOT DISTINCT FROM $3', [wf.id, now, wf.last_scheduled_at]),
      );
      if (claimed.rowCount !== 1) continue;
      started += await fireSchedule(wf.tenant_id, { id: wf.id, version: wf.version, definition: wf.definition }, slot);
    }
    if (started) db.events.emit(EXECUTIONS_QUEUED);
    return started;
  }

  async function fireSchedule(tenantId: string, wf: ActiveWorkflow, slot: Date): Promise<number> {
    const conditions = wf.definition.trigger.conditions;
    const input = { scheduledAt: slot.toISOString() };
    if (!conditions.some((c) => c.field.startsWith('contact.'))) {
      await inTenantTx(db, { tenantId }, (em) => insertExecution(em, tenantId, { workflowId: wf.id, version: wf.version, triggerType: 'TIME_BASED', input }));
      return 1;
    }
    const contacts = await db.withTenant(tenantId, (em) => em.execute<Record<string, unknown>[]>('SELECT * FROM contacts ORDER BY created_at LIMIT 10000'));
    const matching = contacts.map((r) => contactContext(r)).filter((c) => evaluateConditions(conditions, { contact: c, variables: wf.definition.variables }));
    await inTenantTx(db, { tenantId }, async (em) => {
      for (const c of matching) {
        await insertExecution(em, tenantId, { workflowId: wf.id, version: wf.version, triggerType: 'TIME_BASED', contactId: c!.id as string, input });
      }
    });
    return matching.length;
  }

  /**
   * An inbound webhook for a WEBHOOK workflow: signature over timestamp + raw body (5-minute
   * tolerance) with THAT workflow's own secret (another workflow's secret does not verify), then
   * replay protection, then the trigger conditions over the JSON body as `input`. A workflow with
   * no secret of its own (created before per-workflow secrets) falls back to WORKFLOW_WEBHOOK_SECRET
   * (`req.secret`) until its secret is rotated. Returns the execution id, or null when the
   * conditions did not match.
   */
  async function handleWebhook(
    workflowId: string,
    req: { secret: string | undefined; timestamp?: string; signature?: string; body: string },
    now = Date.now(),
  ): Promise<string | null> {
    const [wf] = await db.readAsWorker([
      {
        sql: `SELECT w.tenant_id, w.current_version AS version, w.webhook_secret, v.definition FROM workflows w
              JOIN workflow_versions v ON v.workflow_id = w.id AND v.version = w.current_version
              WHERE w.id = $1::uuid AND w.is_active AND w.trigger_type = 'WEBHOOK'`,
        params: [/^[0-9a-f-]{36}$/i.test(workflowId) ? workflowId : '00000000-0000-0000-0000-000000000000'],
      },
    ]);
    const row = wf[0] as { tenant_id: string; version: number; webhook_secret: string | null; definition: WorkflowDefinition } | undefined;
    if (!row) throw AppError.notFound('Active webhook workflow', workflowId);
    const secret = row.webhook_secret ? secrets.open(row.webhook_secret, workflowId) : req.secret;
    if (!secret) {
      throw new AppError('PERMISSION_DENIED', `Inbound webhooks of workflow ${workflowId} are disabled: it has no webhook secret; rotate one (crm workflow rotate-secret ${workflowId})`);
    }
    verifyWebhook(secret, req, now);
    await recordWebhookReceipt(db, row.tenant_id, workflowId, req.signature!);
    let input: Record<string, unknown>;
    try {
      const parsed = JSON.parse(req.body || '{}') as unknown;
      input = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : { value: parsed };
    } catch {
      throw AppError.validation([{ path: 'body', reason: 'must be JSON' }]);
    }
    // a contactId the sender got wrong is its mistake to hear about now, not an execution that
    // mails the form's address and then fails at its first contact step (QA round 5)
    const given = input.contactId;
    if (given !== undefined && given !== null && !isUuid(given)) {
      throw AppError.validation([{ path: 'body.contactId', reason: 'must be a contact id (UUID)' }]);
    }
    if (!evaluateConditions(row.definition.trigger.conditions, { input, event: input, variables: row.definition.variables })) return null;
    const email = typeof input.email === 'string' ? input.email.trim().toLowerCase() : '';
    // steps that act on the execution's contact failed at run time, after the steps before them
    // acted (QA round 5): a body that gives no contact to such a workflow is refused here
    const needing = row.definition.steps.filter((s) => CONTACT_STEPS.has(s.type)).map((s) => `"${s.id}" (${s.type})`);
    const id = await inTenantTx(db, { tenantId: row.tenant_id }, async (em) => {
      let contactId = typeof given === 'string' ? given : null;
      if (contactId) {
        const found = await em.execute<unknown[]>('SELECT 1 FROM contacts WHERE id = ? AND tenant_id = ?', [contactId, row.tenant_id]);
        if (!found.length) throw AppError.notFound('Contact', contactId);
      } else if (email) {
        // a form posts the address it was given, not our id: the contact with that address, if any
        const [found] = await em.execute<{ id: string }[]>('SELECT id FROM contacts WHERE tenant_id = ? AND email = ?', [row.tenant_id, email]);
        contactId = found?.id ?? null;
      }
      if (!contactId && needing.length) {
        const reason = email
          ? `names no contact (${email}); step${needing.length > 1 ? 's' : ''} ${needing.join(', ')} need${needing.length > 1 ? '' : 's'} one: send contactId, or the email of an existing contact`
          : `is required (or email, the address of an existing contact): step${needing.length > 1 ? 's' : ''} ${needing.join(', ')} need${needing.length > 1 ? '' : 's'} a contact`;
        throw AppError.validation([{ path: email ? 'body.email' : 'body.contactId', reason }]);
      }
      return insertExecution(em, row.tenant_id, { workflowId, version: row.version, triggerType: 'WEBHOOK', contactId, input, event: input });
    });
    if (id) db.events.emit(EXECUTIONS_QUEUED);
    return id;
  }

  return {
    handleEvent,
    handleEvents,
    handleWebhook,
    runSchedules,
    /** Subscribe to the outbox dispatcher's public API; returns the unsubscribe function. */
    subscribe(outbox: Pick<OutboxDispatcher, 'subscribe'>): () => void {
      return outbox.subscribe({
        consumer: WORKFLOW_TRIGGER_CONSUMER,
        types: [...EVENT_TRIGGERS.keys()],
        handler: (e) => handleEvent(e).then(() => {}),
        handleBatch: (events, { signal }) => handleEvents(events, signal).then(() => {}),
      });
    },
  };
}

export type WorkflowTriggers = ReturnType<typeof createWorkflowTriggers>;
