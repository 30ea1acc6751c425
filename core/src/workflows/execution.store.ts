import type { ReadStatement } from '../db/database.ts';
import { writeEventsWhen } from '../outbox/outbox.writer.ts';
import type { Role } from '../users/user.schema.ts';
import { MANUAL_EFFECT_KIND } from './workflow-complete-step.ts';
import { contactContext } from './workflow.rows.ts';
import type { TriggerType, WorkflowDefinition } from './workflow.schema.ts';
import { databaseOf, type DatabaseHandle } from '../db/database-handle.ts';
import type { WaitTimers } from './wait-timers.ts';

export interface ClaimedExecution {
  id: string;
  tenantId: string;
  workflowId: string;
  version: number;
  definition: WorkflowDefinition;
  owner: { userId: string; role: Role; email: string; name: string };
  triggerType: TriggerType;
  triggerEventId: string | null;
  contactId: string | null;
  input: Record<string, unknown>;
  /** The triggering event's payload (null for manual and scheduled runs). */
  event: Record<string, unknown> | null;
  /** How many times a worker has picked it up (1 on the first run). */
  runs: number;
}

export type EffectState = { state: 'new' } | { state: 'started' } | { state: 'done'; result: unknown };

export interface AttemptRecord {
  tenantId: string;
  executionId: string;
  stepId: string;
  attempt: number;
  status: 'succeeded' | 'failed' | 'skipped';
  input?: unknown;
  output?: unknown;
  error?: string | null;
  startedAt: Date;
}

/**
 * A step's finished effect, closed with its attempt record: the ledger entry `key` becomes done
 * with `result`; `statements` are the effect itself when it is a database write (the mailbox), so
 * it commits with its ledger entry.
 */
export interface StepEffect {
  key: string;
  result: unknown;
  statements?: ReadStatement[];
}

const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));

const finishEffectStatement = (key: string, result: unknown) => ({
  sql: `UPDATE workflow_effects SET status = 'done', result = $2::jsonb, done_at = now() WHERE idempotency_key = $1`,
  params: [key, json(result ?? null)],
});

/**
 * The worker's view of executions. Claiming is a lease taken with FOR UPDATE SKIP LOCKED, so N
 * workers on one database never run the same execution at once; an expired lease (a killed
 * worker) makes it claimable again, and the run resumes from its last checkpoint. Everything after
 * the claim is fenced by `locked_by`: a worker that lost its lease cannot complete or fail it.
 */
export function createExecutionStore(handle: DatabaseHandle) {
  const db = databaseOf(handle);
  return {
    async claim(workerId: string, options: { limit?: number; leaseMs?: number; exclude?: string[] } = {}): Promise<ClaimedExecution[]> {
      const rows = await db.asWorker(async (c) =>
        (
          await c.query(
            `WITH picked AS (
               SELECT id FROM workflow_executions
               WHERE status IN ('pending','running','waiting') AND NOT wait_timer AND wake_at <= now() AND (locked_until IS NULL OR locked_until < now())
                 AND NOT (id = ANY($4::uuid[]))
               ORDER BY wake_at LIMIT $2 FOR UPDATE SKIP LOCKED)
             UPDATE workflow_executions e SET status = 'running', locked_by = $1, locked_until = now() + make_interval(secs => $3),
               runs = runs + 1, started_at = coalesce(started_at, now())
             FROM picked WHERE e.id = picked.id
             RETURNING e.id, e.tenant_id, e.workflow_id, e.version, e.trigger_type, e.trigger_event_id, e.contact_id, e.input, e.event, e.runs,
               (SELECT definition FROM workflow_versions v WHERE v.workflow_id = e.workflow_id AND v.version = e.version) AS definition,
               (SELECT row_to_json(u) FROM (SELECT u.id, u.role, u.email, u.name FROM users u JOIN workflows w ON w.owner_id = u.id
                 WHERE w.id = e.workflow_id) u) AS owner`,
            [workerId, options.limit ?? 1, (options.leaseMs ?? 30_000) / 1000, options.exclude ?? []],
          )
        ).rows,
      );
      return rows.map((r) => ({
        id: r.id,
        tenantId: r.tenant_id,
        workflowId: r.workflow_id,
        version: r.version,
        definition: r.definition,
        owner: { userId: r.owner.id, role: r.owner.role, email: r.owner.email, name: r.owner.name },
        triggerType: r.trigger_type,
        triggerEventId: r.trigger_event_id,
        contactId: r.contact_id,
        input: r.input ?? {},
        event: r.event ?? null,
        runs: r.runs,
      }));
    },

    /** Extend the lease; false when another worker took the execution over. */
    async heartbeat(id: string, workerId: string, leaseMs = 30_000): Promise<boolean> {
      const res = await db.asWorker((c) =>
        c.query(`UPDATE workflow_executions SET locked_until = now() + make_interval(secs => $3) WHERE id = $1 AND locked_by = $2 AND status = 'running'`, [
          id,
          workerId,
          leaseMs / 1000,
        ]),
      );
      return res.rowCount === 1;
    },

    async loadContact(tenantId: string, contactId: string | null) {
      if (!contactId) return null;
      const [rows] = await db.readAsTenant(tenantId, [{ sql: 'SELECT * FROM contacts WHERE id = $1', params: [contactId] }]);
      return contactContext(rows[0] ?? null);
    },

    /**
     * Record one step attempt and, when the step's effect finished, close its ledger entry — in
     * one round trip and one transaction, so the two never disagree after a crash.
     */
    async recordAttempt(a: AttemptRecord, effect?: StepEffect): Promise<void> {
      await db.writeAsTenant(a.tenantId, [
        ...(effect?.statements ?? []),
        ...(effect ? [finishEffectStatement(effect.key, effect.result)] : []),
        {
          sql: `INSERT INTO workflow_step_attempts (tenant_id, execution_id, step_id, attempt, status, input, output, error, started_at)
                VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8, $9)`,
          params: [a.tenantId, a.executionId, a.stepId, a.attempt, a.status, json(a.input), json(a.output), a.error ?? null, a.startedAt],
        },
      ]);
    },

    /** Look up (and, when new, open) the ledger entry of one effect, in one statement. */
    async beginEffect(key: string, e: { tenantId: string; executionId: string; stepId: string; kind: string }): Promise<EffectState> {
      const [[row]] = await db.writeAsTenant(e.tenantId, [
        {
          sql: `WITH ins AS (
                  INSERT INTO workflow_effects (idempotency_key, tenant_id, execution_id, step_id, kind, status) VALUES ($1, $2, $3, $4, $5, 'started')
                  ON CONFLICT (idempotency_key) DO NOTHING RETURNING 1)
                SELECT EXISTS (SELECT 1 FROM ins) AS inserted, f.status, f.result FROM (SELECT 1) one
                LEFT JOIN workflow_effects f ON f.idempotency_key = $1`,
          params: [key, e.tenantId, e.executionId, e.stepId, e.kind],
        },
      ]);
      const r = row as { inserted: boolean; status: string | null; result: unknown };
      if (r.inserted) return { state: 'new' };
      let found: { status: string | null; result: unknown } | undefined = r;
      // the conflicting row was committed after this statement's snapshot: read it now
      if (!r.status) [[found]] = (await db.readAsTenant(e.tenantId, [{ sql: 'SELECT status, result FROM workflow_effects WHERE idempotency_key = $1', params: [key] }])) as (typeof found)[][];
      return found?.status === 'done' ? { state: 'done', result: found.result } : { state: 'started' };
    },

    /** The output a person recorded for this step visit when completing it by hand, if they did. */
    async manualCompletion(tenantId: string, key: string): Promise<Record<string, unknown> | null> {
      const [rows] = await db.readAsTenant(tenantId, [
        { sql: `SELECT result FROM workflow_effects WHERE idempotency_key = $1 AND kind = $2 AND status = 'done'`, params: [key, MANUAL_EFFECT_KIND] },
      ]);
      return (rows[0]?.result as Record<string, unknown> | undefined) ?? null;
    },

    async finishEffect(tenantId: string, key: string, result: unknown): Promise<void> {
      await db.writeAsTenant(tenantId, [finishEffectStatement(key, result)]);
    },

    /** The decision on an approval a step waits for (the engine reads it without a user's RBAC, as it reads executions). */
    async approvalStatus(tenantId: string, approvalId: string): Promise<{ status: 'pending' | 'approved' | 'rejected' | 'expired'; expiresAt: Date; reason: string | null }> {
      const [rows] = await db.readAsTenant(tenantId, [{ sql: 'SELECT status, expires_at, decision_reason FROM approvals WHERE id = $1', params: [approvalId] }]);
      const r = rows[0] as { status: 'pending' | 'approved' | 'rejected' | 'expired'; expires_at: Date; decision_reason: string | null } | undefined;
      if (!r) throw new Error(`approval ${approvalId} not found`);
      return { status: r.status, expiresAt: new Date(r.expires_at), reason: r.decision_reason };
    },

    /** Make a parked execution due now (its approval was decided while it was being parked). */
    async wake(tenantId: string, id: string): Promise<void> {
      await db.withTenant(tenantId, (em) => em.execute(`UPDATE workflow_executions SET wake_at = now() WHERE id = ? AND status = 'waiting'`, [id]));
    },

    /**
     * Park the execution on a WAIT until `wakeAt` with the given timers (pg-boss's job and the
     * execution row commit together); any worker resumes it when the timer fires.
     */
    async parkOnWait(id: string, workerId: string, wakeAt: Date, timers: WaitTimers): Promise<boolean> {
      return timers.park({ id, workerId }, wakeAt);
    },

    /** Park the execution until `wakeAt` (an approval's expiry or a retry backoff); any worker may resume it then. */
    async sleepUntil(tenantId: string, id: string, workerId: string, wakeAt: Date, status: 'waiting' | 'pending' = 'waiting'): Promise<boolean> {
      const [rows] = await db.writeAsTenant(tenantId, [
        {
          sql: `UPDATE workflow_executions SET status = $1, wake_at = $2, locked_by = NULL, locked_until = NULL WHERE id = $3 AND locked_by = $4 RETURNING 1`,
          params: [status, wakeAt, id, workerId],
        },
      ]);
      return rows.length === 1;
    },

    async finish(
      e: { tenantId: string; id: string; workflowId: string; ownerId: string },
      workerId: string,
      outcome: { status: 'completed'; output: unknown } | { status: 'failed'; error: string; failedStep?: string },
    ): Promise<boolean> {
      // one round trip: the fenced update and its event in one statement (this runs once per execution)
      const [rows] = await db.writeAsTenant(e.tenantId, [
        writeEventsWhen(
          {
            sql: `UPDATE workflow_executions SET status = $1, output = $2::jsonb, error = $3, finished_at = now(), locked_by = NULL, locked_until = NULL
                  WHERE id = $4 AND locked_by = $5 AND status = 'running' RETURNING id`,
            params: [outcome.status, outcome.status === 'completed' ? json(outcome.output) : null, outcome.status === 'failed' ? outcome.error : null, e.id, workerId],
          },
          { tenantId: e.tenantId },
          [
            {
              type: `workflow.${outcome.status}`,
              aggregate: { type: 'workflow', id: e.workflowId },
              payload: {
                executionId: e.id,
                workflowId: e.workflowId,
                ownerId: e.ownerId,
                ...(outcome.status === 'failed' ? { error: outcome.error, failedStep: outcome.failedStep ?? null } : {}),
              },
            },
          ],
        ),
      ]);
      if (!rows.length) return false;
      db.events.emit('outbox');
      return true;
    },
  };
}

export type ExecutionStore = ReturnType<typeof createExecutionStore>;
