import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { writeAudit } from '../audit/audit.service.ts';
import { authorize } from '../auth/rbac.ts';
import type { Database, EntityManager } from '../db/database.ts';
import { cappedCountSql, ListPageQuery, offsetPageCounting, type ListPage } from '../db/offset-page.ts';
import { inTenantTx } from '../db/tenant-tx.ts';
import { AppError } from '../errors/app-error.ts';
import { parseOrThrow } from '../errors/zod-issues.ts';
import { eventsInsertFrom, writeEvent } from '../outbox/outbox.writer.ts';
import type { Actor } from '../users/user.schema.ts';
import { cancelExecution, checkCancelExecution } from './workflow-cancel.ts';
import { checkCompleteFailedStep, completeFailedStep } from './workflow-complete-step.ts';
import { activationNeedsApproval, requestActivation, switchOn } from './workflow-activation.ts';
import { createWebhookSecretBox, generateWebhookSecret, type WebhookSecretBox } from './webhook-secret.ts';
import { DEFAULT_APPROVAL_TTL_HOURS, type Approval } from '../approvals/approval.schema.ts';
import { getWorkflowTrigger, listWorkflowTriggers, type ListTriggersQuery, type WorkflowTriggerInfo } from './workflow-trigger-list.ts';
import { dryRunWorkflow, type DryRunReport } from './workflow-dry-run.ts';
import { staticUrlProblem } from './ssrf-guard.ts';
import { loadContact } from '../contacts/contact.service.ts';
import { validateDefinition } from './workflow-validation.ts';
import { WORKFLOW_TEMPLATES } from './workflow-templates.ts';
import { STATS_SQL, toAttempt, toExecution, toWorkflow, type ExecutionRow, type WorkflowRow } from './workflow.rows.ts';
import {
  ExecutionStatus,
  ManualRunInput,
  type TriggerType,
  type Workflow,
  type WorkflowDefinition,
  type WorkflowDefinitionInput,
  type WorkflowExecution,
} from './workflow.schema.ts';

export const ListWorkflowsQuery = z
  .object({ active: z.boolean().optional(), tag: z.string().optional(), limit: z.number().int().min(1).max(200).default(100) })
  .strict();
export const ListExecutionsQuery = z
  .object({
    workflowId: z.uuid().optional(),
    contactId: z.uuid().optional(),
    status: ExecutionStatus.optional(),
    limit: z.number().int().min(1).max(200).default(50),
  })
  .strict();

/** The execution list's filters with page/limit (REST): page ≤ 500, limit ≤ 100. */
export const ExecutionPageQuery = ListExecutionsQuery.omit({ limit: true }).extend(ListPageQuery).strict();

const EXECUTIONS_WHERE = `FROM workflow_executions WHERE (?::uuid IS NULL OR workflow_id = ?) AND (?::uuid IS NULL OR contact_id = ?)
  AND (?::text IS NULL OR status = ?)`;
const executionFilters = (q: { workflowId?: string; contactId?: string; status?: string }) => {
  const [w, c, st] = [q.workflowId ?? null, q.contactId ?? null, q.status ?? null];
  return [w, w, c, c, st, st];
};

const WORKFLOW_SELECT = `SELECT w.*, v.definition, ${STATS_SQL}
  FROM workflows w JOIN workflow_versions v ON v.workflow_id = w.id AND v.version = w.current_version`;

export interface NewExecution {
  workflowId: string;
  version: number;
  triggerType: TriggerType;
  triggerEventId?: string | null;
  contactId?: string | null;
  input?: Record<string, unknown>;
  event?: Record<string, unknown> | null;
}

/**
 * In-process signal (`db.events`) after a commit that queued executions: a workflow worker claims
 * at once on it, while other commits' wake-ups may wait out its pause after an empty claim.
 */
export const EXECUTIONS_QUEUED = 'workflow-executions-queued';

/**
 * Queue an execution and its `workflow.triggered` event in the caller's tenant transaction. A
 * redelivered trigger event hits the (workflow, event) unique key and queues nothing.
 */
export async function insertExecution(em: EntityManager, tenantId: string, e: NewExecution): Promise<string | null> {
  const id = randomUUID();
  const rows = await em.execute<{ id: string }[]>(
    `INSERT INTO workflow_executions (id, tenant_id, workflow_id, version, trigger_type, trigger_event_id, contact_id, input, event)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (workflow_id, trigger_event_id) DO NOTHING RETURNING id`,
    [id, tenantId, e.workflowId, e.version, e.triggerType, e.triggerEventId ?? null, e.contactId ?? null, JSON.stringify(e.input ?? {}), e.event ? JSON.stringify(e.event) : null],
  );
  if (!rows.length) return null;
  await em.execute('UPDATE workflows SET last_executed_at = now() WHERE id = ?', [e.workflowId]);
  await writeEvent(em, { tenantId }, 'workflow.triggered', { type: 'workflow', id: e.workflowId }, {
    executionId: id,
    workflowId: e.workflowId,
    version: e.version,
    triggerType: e.triggerType,
    contactId: e.contactId ?? null,
  });
  return id;
}

/**
 * insertExecution for many executions of one tenant in ONE statement (the outbox's batch trigger
 * delivery): the executions, their workflows' `last_executed_at` and one `workflow.triggered` event
 * each. Redelivered trigger events queue nothing again. Returns the ids of those queued.
 */
export async function insertExecutions(em: EntityManager, tenantId: string, list: readonly NewExecution[]): Promise<string[]> {
  if (!list.length) return [];
  const events = eventsInsertFrom({ tenantId }, 'ev');
  const rows = list.map((e) => ({
    id: randomUUID(),
    workflow_id: e.workflowId,
    version: e.version,
    trigger_type: e.triggerType,
    trigger_event_id: e.triggerEventId ?? null,
    contact_id: e.contactId ?? null,
    input: e.input ?? {},
    event: e.event ?? null,
  }));
  const queued = await em.execute<{ id: string }[]>(
    `WITH ins AS (
       INSERT INTO workflow_executions (id, tenant_id, workflow_id, version, trigger_type, trigger_event_id, contact_id, input, event)
       SELECT r.id, ?, r.workflow_id, r.version, r.trigger_type, r.trigger_event_id, r.contact_id, r.input, r.event
       FROM jsonb_to_recordset(?::jsonb) AS r(id uuid, workflow_id uuid, version integer, trigger_type text, trigger_event_id uuid, contact_id uuid, input jsonb, event jsonb)
       ON CONFLICT (workflow_id, trigger_event_id) DO NOTHING
       RETURNING id, workflow_id, version, trigger_type, contact_id),
     touched AS (UPDATE workflows SET last_executed_at = now() WHERE id IN (SELECT workflow_id FROM ins)),
     ev AS (
       SELECT 'workflow.triggered'::text AS type, 'workflow'::text AS aggregate_type, ins.workflow_id AS aggregate_id,
         jsonb_build_object('executionId', ins.id, 'workflowId', ins.workflow_id, 'version', ins.version, 'triggerType', ins.trigger_type, 'contactId', ins.contact_id) AS payload
       FROM ins),
     written AS (${events.sql})
     SELECT id FROM ins`,
    [tenantId, JSON.stringify(rows), ...events.params],
  );
  return queued.map((r) => r.id);
}

/** Workflow definitions, versions, activation, manual runs and execution history of a tenant. */
export interface WorkflowServiceOptions {
  /** Seals per-workflow webhook secrets (WORKFLOW_SECRETS_KEY); default: stored unencrypted. */
  secrets?: WebhookSecretBox;
  /** Expiry of activation approval requests (APPROVAL_TTL_HOURS). */
  approvalTtlHours?: number;
  /** WORKFLOW_WEBHOOK_ALLOW_HOSTS: hosts a WEBHOOK_CALL may reach although they are not public. */
  webhookAllowHosts?: readonly string[];
}

/** What activating returned: switched on now, or waiting for a `workflow_activation` approval. */
export type ActivationResult =
  | { status: 'active'; workflow: Workflow; approval: null }
  | { status: 'pending_approval'; workflow: Workflow; approval: Approval };

/**
 * A WEBHOOK_CALL whose URL can already be seen to be refused when it runs (a metadata host, a literal
 * private address, localhost — not allowed by WORKFLOW_WEBHOOK_ALLOW_HOSTS) would fail every run:
 * activation says so instead. A URL with a template, or a host name, is checked when the call is made.
 */
function refuseUnreachableWebhooks(steps: Workflow['steps'], allowHosts: readonly string[] = [], message: string): void {
  const issues = steps.flatMap((step, i) => {
    const url = step.type === 'WEBHOOK_CALL' ? (step.config as { url?: unknown }).url : undefined;
    if (typeof url !== 'string' || url.includes('{{')) return [];
    const problem = staticUrlProblem(url, allowHosts);
    return problem ? [{ path: `steps.${i}.config.url`, reason: `step "${step.id}": ${problem}` }] : [];
  });
  if (issues.length) throw AppError.validation(issues, `${message}: a webhook step's URL would be refused every time it runs`);
}

/** Under the approval policy a workflow is never created active (its activation files an approval). */
async function refuseActiveCreate(em: EntityManager, actor: Actor): Promise<void> {
  if (await activationNeedsApproval(em, actor)) {
    throw AppError.denied('workflows:write', 'This tenant requires approval to activate workflows: create it inactive (isActive false), then activate it, which files an approval request');
  }
}

/** Only a WEBHOOK workflow has a signing secret to rotate. */
function refuseWithoutWebhookTrigger(wf: Workflow): void {
  if (wf.trigger.type !== 'WEBHOOK') {
    throw AppError.validation([{ path: 'id', reason: `workflow "${wf.name}" is triggered by ${wf.trigger.type}, not WEBHOOK; it has no webhook secret` }]);
  }
}

export function createWorkflowService(db: Database, options: WorkflowServiceOptions = {}) {
  const secrets = options.secrets ?? createWebhookSecretBox();
  const approvalTtlHours = options.approvalTtlHours ?? DEFAULT_APPROVAL_TTL_HOURS;
  async function load(em: EntityManager, id: string): Promise<Workflow> {
    const rows = await em.execute<WorkflowRow[]>(`${WORKFLOW_SELECT} WHERE w.id = ?`, [parseOrThrow(z.uuid('must be a workflow id (UUID)'), id, 'id')]);
    if (!rows.length) throw AppError.notFound('Workflow', id);
    return toWorkflow(rows[0]);
  }

  async function saveVersion(em: EntityManager, actor: Actor, id: string, version: number, def: WorkflowDefinition) {
    await em.execute('INSERT INTO workflow_versions (tenant_id, workflow_id, version, definition, created_by) VALUES (?, ?, ?, ?, ?)', [
      actor.tenantId,
      id,
      version,
      JSON.stringify(def),
      actor.userId,
    ]);
  }

  /** A WEBHOOK workflow without its own secret gets one; returns it (shown once) or undefined. */
  async function ensureWebhookSecret(em: EntityManager, actor: Actor, id: string, def: WorkflowDefinition): Promise<string | undefined> {
    if (def.trigger.type !== 'WEBHOOK') return undefined;
    const [row] = await em.execute<{ has: boolean }[]>('SELECT webhook_secret IS NOT NULL AS has FROM workflows WHERE id = ?', [id]);
    if (row?.has) return undefined;
    const secret = generateWebhookSecret();
    await em.execute('UPDATE workflows SET webhook_secret = ?, webhook_secret_rotated_at = now() WHERE id = ?', [secrets.seal(secret), id]);
    await writeAudit(em, actor, 'workflow.webhook_secret_created', 'workflow', id, { after: { encrypted: secrets.encrypted } });
    return secret;
  }

  /** Under the approval policy a non-admin may not put a new version live by editing an active workflow. */
  async function assertEditAllowed(em: EntityManager, actor: Actor, current: Workflow): Promise<void> {
    if (current.isActive && (await activationNeedsApproval(em, actor))) {
      throw AppError.denied(
        'workflows:write',
        `Workflow "${current.name}" is active and this tenant requires approval to activate workflows: an edit would put a new version live unreviewed. Deactivate it, edit it, then activate it again (files an approval), or ask an ADMIN`,
      );
    }
  }

  const service = {
    /**
     * What each write would refuse first, doing nothing (a read-only look in the tenant): the
     * approval queue asks before filing an agent action, so a request that could never run is
     * refused when it is filed, not when a manager approves it.
     */
    checks: {
      async create(actor: Actor, input: WorkflowDefinitionInput & { isActive?: boolean }): Promise<void> {
        authorize(actor, 'workflows:write');
        const { isActive, ...rest } = input;
        const def = validateDefinition(rest);
        if (!isActive) return;
        refuseUnreachableWebhooks(def.steps, options.webhookAllowHosts, 'The workflow would not be created active');
        await db.withTenant(actor.tenantId, (em) => refuseActiveCreate(em, actor));
      },
      async update(actor: Actor, id: string, input: WorkflowDefinitionInput): Promise<void> {
        authorize(actor, 'workflows:write');
        const def = validateDefinition(input);
        await db.withTenant(actor.tenantId, async (em) => {
          const current = await load(em, id);
          await assertEditAllowed(em, actor, current);
          if (current.isActive) refuseUnreachableWebhooks(def.steps, options.webhookAllowHosts, `Workflow ${id} would not be changed (it is active)`);
        });
      },
      async activate(actor: Actor, id: string): Promise<void> {
        authorize(actor, 'workflows:write');
        const current = await db.withTenant(actor.tenantId, (em) => load(em, id));
        if (!current.isActive) refuseUnreachableWebhooks(current.steps, options.webhookAllowHosts, `Workflow ${id} would not be activated`);
      },
      async deactivate(actor: Actor, id: string): Promise<void> {
        authorize(actor, 'workflows:write');
        await db.withTenant(actor.tenantId, (em) => load(em, id));
      },
      async rotateWebhookSecret(actor: Actor, id: string): Promise<void> {
        authorize(actor, 'workflows:write');
        refuseWithoutWebhookTrigger(await db.withTenant(actor.tenantId, (em) => load(em, id)));
      },
      cancelExecution(actor: Actor, executionId: string, reason?: string): Promise<void> {
        return checkCancelExecution(db, actor, { executionId, reason });
      },
      completeStep(actor: Actor, executionId: string, stepId: string, output?: Record<string, unknown>): Promise<void> {
        return checkCompleteFailedStep(db, actor, { executionId, stepId, output });
      },
      async execute(actor: Actor, id: string, raw: ManualRunInput = {}): Promise<void> {
        authorize(actor, 'workflows:write');
        const input = parseOrThrow(ManualRunInput, raw);
        await db.withTenant(actor.tenantId, async (em) => {
          await load(em, id);
          if (input.contactId) await loadContact(em, input.contactId);
        });
      },
    },

    async create(actor: Actor, input: WorkflowDefinitionInput & { ownerId?: string; isActive?: boolean }): Promise<Workflow> {
      authorize(actor, 'workflows:write');
      const { ownerId, isActive, ...rest } = input;
      const def = validateDefinition(rest);
      // created active, it runs at once: the same check as activate
      if (isActive) refuseUnreachableWebhooks(def.steps, options.webhookAllowHosts, 'The workflow was not created active');
      const id = randomUUID();
      return inTenantTx(db, actor, async (em) => {
        if (isActive) await refuseActiveCreate(em, actor);
        await em.execute(
          `INSERT INTO workflows (id, tenant_id, name, description, is_active, trigger_type, owner_id, tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          [id, actor.tenantId, def.name, def.description ?? null, isActive ?? false, def.trigger.type, ownerId ?? actor.userId, JSON.stringify(def.tags)],
        );
        await saveVersion(em, actor, id, 1, def);
        await writeAudit(em, actor, 'workflow.created', 'workflow', id, { after: { name: def.name, version: 1 } });
        const webhookSecret = await ensureWebhookSecret(em, actor, id, def);
        return { ...(await load(em, id)), ...(webhookSecret ? { webhookSecret } : {}) };
      });
    },

    /** Save an edited definition as the next version; running executions finish on theirs. */
    async update(actor: Actor, id: string, input: WorkflowDefinitionInput): Promise<Workflow> {
      authorize(actor, 'workflows:write');
      const def = validateDefinition(input);
      return inTenantTx(db, actor, async (em) => {
        const current = await load(em, id);
        await assertEditAllowed(em, actor, current);
        // an edit of an active workflow goes live at once: the same check as activate
        if (current.isActive) refuseUnreachableWebhooks(def.steps, options.webhookAllowHosts, `Workflow ${id} was not changed (it is active)`);
        const version = current.version + 1;
        await saveVersion(em, actor, id, version, def);
        await em.execute(
          'UPDATE workflows SET name = ?, description = ?, trigger_type = ?, tags = ?, current_version = ?, updated_at = now() WHERE id = ?',
          [def.name, def.description ?? null, def.trigger.type, JSON.stringify(def.tags), version, id],
        );
        await writeAudit(em, actor, 'workflow.updated', 'workflow', id, { before: { version: current.version }, after: { version } });
        const webhookSecret = await ensureWebhookSecret(em, actor, id, def);
        return { ...(await load(em, id)), ...(webhookSecret ? { webhookSecret } : {}) };
      });
    },

    /**
     * Switch a workflow on, or — under the tenant's activation approval policy, for anyone but an
     * ADMIN — file (or return the already pending) `workflow_activation` approval for its current
     * version and leave it inactive.
     */
    async activate(actor: Actor, id: string): Promise<ActivationResult> {
      authorize(actor, 'workflows:write');
      return inTenantTx(db, actor, async (em) => {
        const current = await load(em, id);
        if (current.isActive) return { status: 'active', workflow: current, approval: null };
        refuseUnreachableWebhooks(current.steps, options.webhookAllowHosts, `Workflow ${id} was not activated`);
        if (await activationNeedsApproval(em, actor)) {
          const approval = await requestActivation(em, actor, id, approvalTtlHours);
          return { status: 'pending_approval', workflow: await load(em, id), approval };
        }
        await switchOn(em, actor, id, { version: current.version });
        return { status: 'active', workflow: await load(em, id), approval: null };
      });
    },

    async deactivate(actor: Actor, id: string): Promise<Workflow> {
      authorize(actor, 'workflows:write');
      return inTenantTx(db, actor, async (em) => {
        const current = await load(em, id);
        if (!current.isActive) return current;
        await em.execute('UPDATE workflows SET is_active = false, updated_at = now() WHERE id = ?', [id]);
        await writeAudit(em, actor, 'workflow.deactivated', 'workflow', id, { after: { isActive: false } });
        return load(em, id);
      });
    },

    /** Activate or deactivate; an activation that must wait for approval is refused here (use `activate`). */
    async setActive(actor: Actor, id: string, active: boolean): Promise<Workflow> {
      if (!active) return service.deactivate(actor, id);
      const result = await service.activate(actor, id);
      if (result.status === 'pending_approval') {
        throw new AppError('CONFLICT', `Workflow ${id} was not activated: activation waits for approval ${result.approval.id}`, { details: { approvalId: result.approval.id } });
      }
      return result.workflow;
    },

    /**
     * A new signing secret for a WEBHOOK workflow's inbound requests, returned once; the old one
     * stops working at once (audited, the secret itself never is).
     */
    async rotateWebhookSecret(actor: Actor, id: string): Promise<{ workflowId: string; webhookSecret: string; rotatedAt: Date }> {
      authorize(actor, 'workflows:write');
      return inTenantTx(db, actor, async (em) => {
        refuseWithoutWebhookTrigger(await load(em, id));
        const secret = generateWebhookSecret();
        const [row] = await em.execute<{ rotated_at: Date | string }[]>(
          'UPDATE workflows SET webhook_secret = ?, webhook_secret_rotated_at = now() WHERE id = ? RETURNING webhook_secret_rotated_at AS rotated_at',
          [secrets.seal(secret), id],
        );
        await writeAudit(em, actor, 'workflow.webhook_secret_rotated', 'workflow', id, { after: { encrypted: secrets.encrypted } });
        return { workflowId: id, webhookSecret: secret, rotatedAt: new Date(row.rotated_at) };
      });
    },

    async get(actor: Actor, id: string): Promise<Workflow> {
      authorize(actor, 'workflows:read');
      return db.withTenant(actor.tenantId, (em) => load(em, id));
    },

    /** One saved version: its definition with its number and when it was saved (QA round 5: the number was missing). */
    async getVersion(actor: Actor, id: string, version: number): Promise<WorkflowDefinition & { version: number; createdAt: Date }> {
      authorize(actor, 'workflows:read');
      return db.withTenant(actor.tenantId, async (em) => {
        const rows = await em.execute<{ definition: WorkflowDefinition; version: number; created_at: Date | string }[]>(
          'SELECT definition, version, created_at FROM workflow_versions WHERE workflow_id = ? AND version = ?',
          [id, version],
        );
        if (!rows.length) throw AppError.notFound('Workflow version', `${id}@${version}`);
        return { ...rows[0].definition, version: rows[0].version, createdAt: new Date(rows[0].created_at) };
      });
    },

    async list(actor: Actor, query: z.input<typeof ListWorkflowsQuery> = {}): Promise<Workflow[]> {
      authorize(actor, 'workflows:read');
      const q = parseOrThrow(ListWorkflowsQuery, query);
      return db.withTenant(actor.tenantId, async (em) => {
        const rows = await em.execute<WorkflowRow[]>(
          `${WORKFLOW_SELECT} WHERE (?::boolean IS NULL OR w.is_active = ?) AND (?::text IS NULL OR w.tags @> jsonb_build_array(?::text))
           ORDER BY w.updated_at DESC LIMIT ?`,
          [q.active ?? null, q.active ?? null, q.tag ?? null, q.tag ?? null, q.limit],
        );
        return rows.map(toWorkflow);
      });
    },

    /** A manual run (MANUAL workflows, or any workflow run by hand with an input and optional contact). */
    async execute(actor: Actor, id: string, raw: ManualRunInput = {}): Promise<WorkflowExecution> {
      authorize(actor, 'workflows:write');
      const input = parseOrThrow(ManualRunInput, raw);
      const execution = await inTenantTx(db, actor, async (em) => {
        const wf = await load(em, id);
        // an unknown contact would be queued and fail every attempt at its first contact step
        if (input.contactId) await loadContact(em, input.contactId);
        const execId = await insertExecution(em, actor.tenantId, {
          workflowId: id,
          version: wf.version,
          triggerType: 'MANUAL',
          contactId: input.contactId ?? null,
          input: input.input ?? {},
        });
        await writeAudit(em, actor, 'workflow.executed', 'workflow', id, { after: { executionId: execId } });
        const rows = await em.execute<ExecutionRow[]>('SELECT * FROM workflow_executions WHERE id = ?', [execId]);
        return toExecution(rows[0]);
      });
      db.events.emit(EXECUTIONS_QUEUED);
      return execution;
    },

    /** Complete a failed step by hand (see workflow-complete-step.ts); the execution continues after it. */
    cancelExecution(actor: Actor, executionId: string, reason?: string): Promise<WorkflowExecution> {
      return cancelExecution(db, actor, { executionId, reason });
    },

    completeStep(actor: Actor, executionId: string, stepId: string, output?: Record<string, unknown>): Promise<WorkflowExecution> {
      return completeFailedStep(db, actor, { executionId, stepId, output });
    },

    async getExecution(actor: Actor, id: string): Promise<WorkflowExecution> {
      authorize(actor, 'workflows:read');
      return db.withTenant(actor.tenantId, async (em) => {
        const rows = await em.execute<ExecutionRow[]>('SELECT * FROM workflow_executions WHERE id = ?', [parseOrThrow(z.uuid('must be an execution id (UUID)'), id, 'id')]);
        if (!rows.length) throw AppError.notFound('Execution', id);
        const attempts = await em.execute<Record<string, unknown>[]>('SELECT * FROM workflow_step_attempts WHERE execution_id = ? ORDER BY id', [id]);
        return toExecution(rows[0], attempts.map(toAttempt));
      });
    },

    async listExecutions(actor: Actor, query: z.input<typeof ListExecutionsQuery> = {}): Promise<WorkflowExecution[]> {
      authorize(actor, 'workflows:read');
      const q = parseOrThrow(ListExecutionsQuery, query);
      return db.withTenant(actor.tenantId, async (em) => {
        const rows = await em.execute<ExecutionRow[]>(`SELECT * ${EXECUTIONS_WHERE} ORDER BY created_at DESC, id LIMIT ?`, [...executionFilters(q), q.limit]);
        return rows.map((r) => toExecution(r));
      });
    },

    /** One page (page/limit) of executions with its capped count, newest first. */
    async pageExecutions(actor: Actor, query: unknown = {}): Promise<ListPage<WorkflowExecution>> {
      authorize(actor, 'workflows:read');
      const { page, limit, ...q } = parseOrThrow(ExecutionPageQuery, query);
      return db.withTenant(actor.tenantId, async (em) => {
        const rows = await em.execute<ExecutionRow[]>(`SELECT * ${EXECUTIONS_WHERE} ORDER BY created_at DESC, id LIMIT ? OFFSET ?`, [...executionFilters(q), limit + 1, (page - 1) * limit]);
        return offsetPageCounting(rows.map((r) => toExecution(r)), page, limit, async () =>
          Number((await em.execute<{ n: string }[]>(cappedCountSql(EXECUTIONS_WHERE), executionFilters(q)))[0]?.n ?? 0),
        );
      });
    },

    /** Backtest a saved workflow (its current version) or a draft definition; executes nothing. */
    async dryRun(actor: Actor, input: { id?: string; definition?: unknown; days?: number; limit?: number }): Promise<DryRunReport> {
      const definition = input.definition ?? (input.id ? await service.get(actor, input.id) : undefined);
      if (!definition) throw AppError.validation([{ path: 'definition', reason: 'give a workflow id or a draft definition' }]);
      const { id: _id, version: _v, isActive: _a, owner: _o, createdAt: _c, updatedAt: _u, lastExecuted: _l, executionStats: _s, ...def } = definition as Workflow;
      return dryRunWorkflow(db, actor, def, { days: input.days, limit: input.limit });
    },

    /** Triggers of the tenant's (active) workflows: type, conditions, schedule and next cron run. */
    listTriggers(actor: Actor, query: z.input<typeof ListTriggersQuery> = {}): Promise<WorkflowTriggerInfo[]> {
      return listWorkflowTriggers(db, actor, query);
    },

    getTrigger(actor: Actor, workflowId: string): Promise<WorkflowTriggerInfo> {
      return getWorkflowTrigger(db, actor, workflowId);
    },

    listTemplates() {
      return WORKFLOW_TEMPLATES.map((t) => ({ key: t.key, name: t.name, description: t.description, triggerType: t.definition.trigger.type }));
    },

    /** Save a shipped template as an inactive workflow of the tenant, with variables overridden. */
    async installTemplate(actor: Actor, key: string, options: { variables?: Record<string, unknown>; ownerId?: string } = {}): Promise<Workflow> {
      const template = WORKFLOW_TEMPLATES.find((t) => t.key === key);
      if (!template) {
        throw AppError.validation([{ path: 'key', reason: `unknown template; one of ${WORKFLOW_TEMPLATES.map((t) => t.key).join(', ')}` }]);
      }
      const def = template.definition;
      return service.create(actor, { ...def, variables: { ...def.variables, ...options.variables }, ownerId: options.ownerId, isActive: false });
    },
  };
  return service;
}

export type WorkflowService = ReturnType<typeof createWorkflowService>;
