import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { diffRecords, writeAudit, writeAuditRows } from '../audit/audit.service.ts';
import { authorize, grantOf } from '../auth/rbac.ts';
import type { Database, EntityManager } from '../db/database.ts';
import { inTenantTx } from '../db/tenant-tx.ts';
import { AppError } from '../errors/app-error.ts';
import { assertUuid, isUuid } from '../errors/uuid.ts';
import { parseOrThrow } from '../errors/zod-issues.ts';
import { writeEvent, writeEvents } from '../outbox/outbox.writer.ts';
import type { Actor } from '../users/user.schema.ts';
import { applyActivationApproval } from '../workflows/workflow-activation.ts';
import { toApproval, type ApprovalRow } from './approval.rows.ts';
import {
  DEFAULT_APPROVAL_TTL_HOURS,
  DecideApprovalInput,
  ListApprovalsQuery,
  RequestApprovalInput,
  type AgentAction,
  type Approval,
  type ApprovalStatus,
} from './approval.schema.ts';
import { databaseOf, type DatabaseHandle } from '../db/database-handle.ts';

/**
 * Runs an approved agent action as the user it was filed for (the runtime wires the in-process
 * MCP client: the tool's own permissions apply). Its result is recorded on the approval.
 */
export type AgentActionExecutor = (action: AgentAction, requester: Actor, approval: Approval) => Promise<unknown>;

/**
 * Would the requester be allowed to run this action? Throws what the real call would (the tool's
 * argument validation, its role and ownership checks, the record's existence) without doing
 * anything: the queue files only actions that can run once approved. Paths of field issues are
 * those of the request (`action.arguments.id`).
 */
export type AgentActionCheck = (action: AgentAction, requester: Actor) => Promise<void>;

export interface ApprovalServiceOptions {
  /** How long a request waits before it expires (default 24 h). */
  ttlHours?: number;
}

const json = (v: unknown) => JSON.stringify(v ?? null);
/** JSON with sorted keys: jsonb does not keep the order the action was filed with. */
const canonical = (v: unknown): string =>
  v && typeof v === 'object' && !Array.isArray(v)
    ? `{${Object.keys(v)
        .sort()
        .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
        .join(',')}}`
    : Array.isArray(v)
      ? `[${v.map(canonical).join(',')}]`
      : JSON.stringify(v ?? null);

/** Tell the waiter a request was decided: a workflow execution parked on it is woken to read the decision. */
async function wakeWaiter(em: EntityManager, a: Approval): Promise<void> {
  if (a.subjectType === 'workflow_execution' && isUuid(a.subjectId)) {
    await em.execute(`UPDATE workflow_executions SET wake_at = now() WHERE id = ? AND status = 'waiting'`, [a.subjectId]);
  }
}

function decidedPayload(a: Approval) {
  return { approvalId: a.id, kind: a.kind, status: a.status, decidedBy: a.decidedBy, reason: a.reason, requestedFor: a.requestedFor, subjectType: a.subjectType, subjectId: a.subjectId };
}

/**
 * Reject, inside the caller's transaction, the pending requests about a subject that no longer
 * needs them (a cancelled workflow execution's step approvals): each audited and announced as
 * decided, so the queue does not keep asking someone to approve a step that will never run.
 */
export async function withdrawPendingFor(em: EntityManager, actor: Actor, subject: { type: string; id: string }, reason: string): Promise<Approval[]> {
  const rows = await em.execute<ApprovalRow[]>(
    `UPDATE approvals SET status = 'rejected', decided_by = ?, decided_at = now(), decision_reason = ?, execution_status = 'none'
     WHERE subject_type = ? AND subject_id = ? AND status = 'pending' RETURNING *`,
    [actor.kind === 'system' ? null : actor.userId, reason, subject.type, subject.id],
  );
  const withdrawn = rows.map(toApproval);
  for (const a of withdrawn) {
    await writeAudit(em, actor, 'approval.decided', 'approval', a.id, { before: { status: 'pending' }, after: { status: a.status, reason: a.reason } });
    await writeEvent(em, actor, 'approval.decided', { type: 'approval', id: a.id }, decidedPayload(a));
  }
  return withdrawn;
}

async function loadForUpdate(em: EntityManager, id: string): Promise<Approval> {
  const [row] = await em.execute<ApprovalRow[]>('SELECT * FROM approvals WHERE id = ? FOR UPDATE', [id]);
  if (!row) throw AppError.notFound('Approval', id);
  return toApproval(row);
}

/**
 * File a request inside the caller's tenant transaction (the workflow service files activation
 * requests while it holds the workflow's row lock). Idempotent by key.
 */
export async function fileApproval(em: EntityManager, actor: Actor, input: z.output<typeof RequestApprovalInput>, ttlHours: number): Promise<Approval> {
  const requestedFor = actor.kind === 'system' ? actor.onBehalfOf : actor.userId;
  if (!requestedFor) throw AppError.validation([{ path: 'onBehalfOf', reason: 'the system actor files approvals only on behalf of a user' }]);
  const key = input.idempotencyKey ?? randomUUID();
  const expiresAt = new Date(Date.now() + (input.expiresInHours ?? ttlHours) * 3_600_000);
  const rows = await em.execute<ApprovalRow[]>(
    `INSERT INTO approvals (id, tenant_id, kind, action, summary, risk, requested_by, requested_by_kind, via, requested_for, subject_type, subject_id, idempotency_key, expires_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id, idempotency_key) DO NOTHING RETURNING *`,
    [
      randomUUID(),
      actor.tenantId,
      input.kind,
      json(input.action),
      input.summary,
      input.risk,
      actor.userId,
      actor.kind ?? 'user',
      actor.via ?? null,
      requestedFor,
      input.subject?.type ?? null,
      input.subject?.id ?? null,
      key,
      expiresAt,
    ],
  );
  if (!rows[0]) {
    const [existing] = await em.execute<ApprovalRow[]>('SELECT * FROM approvals WHERE idempotency_key = ?', [key]);
    const a = toApproval(existing);
    if (a.kind !== input.kind || a.requestedFor !== requestedFor || canonical(a.action) !== canonical(input.action)) {
      throw new AppError('CONFLICT', `The idempotency key "${key}" already belongs to a different approval request (${a.id})`, { details: { approvalId: a.id } });
    }
    return a;
  }
  const a = toApproval(rows[0]);
  await writeAudit(em, actor, 'approval.requested', 'approval', a.id, diffRecords(null, { kind: a.kind, action: a.action, summary: a.summary, risk: a.risk, requestedFor, expiresAt: a.expiresAt }));
  await writeEvent(em, actor, 'approval.requested', { type: 'approval', id: a.id }, {
    approvalId: a.id,
    kind: a.kind,
    summary: a.summary,
    risk: a.risk,
    requestedFor,
    subjectType: a.subjectType,
    subjectId: a.subjectId,
    expiresAt: a.expiresAt.toISOString(),
  });
  return a;
}

/** Mark the overdue pending requests of one tenant expired, each audited and announced, their waiters woken. */
async function expireInTenant(db: Database, tenantId: string, now: Date, ids?: string[]): Promise<Approval[]> {
  return inTenantTx(db, { tenantId }, async (em) => {
    const rows = await em.execute<ApprovalRow[]>(
      `UPDATE approvals SET status = 'expired', decided_at = ? WHERE status = 'pending' AND expires_at <= ? ${ids ? 'AND id = ANY(?::uuid[])' : ''} RETURNING *`,
      ids ? [now, now, `{${ids.join(',')}}`] : [now, now],
    );
    const expired = rows.map(toApproval);
    if (!expired.length) return expired;
    const system: Actor = { tenantId, userId: '', role: 'SYSTEM', kind: 'system', via: 'job:approvals.expire' };
    await writeAuditRows(
      em,
      system,
      expired.map((a) => ({ action: 'approval.expired', entityType: 'approval', entityId: a.id, diff: { before: { status: 'pending' }, after: { status: 'expired' } }, actor: null })),
    );
    await writeEvents(
      em,
      { tenantId, userId: null },
      expired.map((a) => ({ type: 'approval.decided', aggregate: { type: 'approval', id: a.id }, payload: decidedPayload(a) })),
    );
    for (const a of expired) await wakeWaiter(em, a);
    return expired;
  });
}

/**
 * The approval queue: actions that wait for a human. Filing is idempotent by key; a decision is
 * taken exactly once (a second one is a CONFLICT, an expired request says so); an approved agent
 * action runs at most once, as the user it was filed for, through the registered executor.
 */
export function createApprovalService(handle: DatabaseHandle, options: ApprovalServiceOptions = {}) {
  const db = databaseOf(handle);
  const ttlHours = options.ttlHours ?? DEFAULT_APPROVAL_TTL_HOURS;
  let executor: AgentActionExecutor | undefined;
  let check: AgentActionCheck | undefined;

  async function requesterOf(tenantId: string, userId: string): Promise<Actor> {
    const [rows] = await db.readAsTenant(tenantId, [{ sql: 'SELECT id, role, deactivated_at FROM users WHERE id = $1', params: [userId] }]);
    const u = rows[0] as { id: string; role: Actor['role']; deactivated_at: Date | null } | undefined;
    if (!u || u.deactivated_at) throw new AppError('PERMISSION_DENIED', `The user ${userId} the action was filed for is no longer active; nothing was done`);
    return { tenantId, userId: u.id, role: u.role, kind: 'user' };
  }

  async function keyFiled(tenantId: string, key: string): Promise<boolean> {
    const [rows] = await db.readAsTenant(tenantId, [{ sql: 'SELECT 1 FROM approvals WHERE idempotency_key = $1', params: [key] }]);
    return rows.length > 0;
  }

  /**
   * Refuse to file an action its requester could not run: the same code the approved run would
   * have failed with, said now, instead of after someone spent an approval on it.
   */
  async function precheck(actor: Actor, action: AgentAction): Promise<void> {
    if (!check || (actor.kind === 'system' && !actor.onBehalfOf)) return; // filing refuses a system actor for nobody
    const requester = actor.kind === 'system' ? await requesterOf(actor.tenantId, actor.onBehalfOf!) : { tenantId: actor.tenantId, userId: actor.userId, role: actor.role, kind: 'user' as const };
    try {
      await check(action, requester);
    } catch (err) {
      if (!(err instanceof AppError) || !['PERMISSION_DENIED', 'NOT_FOUND', 'VALIDATION_FAILED'].includes(err.code)) throw err;
      throw new AppError(err.code, `${err.message} — ${action.tool} would fail when run, so nothing was filed for approval`, { details: err.details });
    }
  }

  /** Claim an approved, not yet executed agent action and run it once; the outcome is recorded on the approval. */
  async function execute(actor: Actor, id: string): Promise<Approval> {
    const claimed = await inTenantTx(db, actor, async (em) => {
      const rows = await em.execute<ApprovalRow[]>(
        `UPDATE approvals SET execution_status = 'running' WHERE id = ? AND status = 'approved' AND execution_status = 'pending' RETURNING *`,
        [id],
      );
      return rows[0] ? toApproval(rows[0]) : undefined;
    });
    if (!claimed) return get(actor, id);
    let status: 'succeeded' | 'failed' = 'succeeded';
    let result: unknown;
    try {
      if (!executor) throw new AppError('INTERNAL', 'No executor for agent actions is configured in this process');
      result = await executor(claimed.action as AgentAction, await requesterOf(claimed.tenantId, claimed.requestedFor), claimed);
    } catch (err) {
      status = 'failed';
      const e = err as { code?: string; message?: string };
      result = { error: { code: typeof e.code === 'string' ? e.code : 'INTERNAL', message: String(e.message ?? err).slice(0, 2000) } };
    }
    return inTenantTx(db, actor, async (em) => {
      const [row] = await em.execute<ApprovalRow[]>(
        `UPDATE approvals SET execution_status = ?, execution_result = ?, executed_at = now() WHERE id = ? AND execution_status = 'running' RETURNING *`,
        [status, json(result), id],
      );
      const done = toApproval(row);
      await writeAudit(em, actor, 'approval.executed', 'approval', id, { before: { executionStatus: 'running' }, after: { executionStatus: status } });
      await writeEvent(em, actor, 'approval.executed', { type: 'approval', id }, { approvalId: id, tool: (claimed.action as AgentAction).tool, status, requestedFor: done.requestedFor });
      return done;
    });
  }

  async function get(actor: Actor, id: string): Promise<Approval> {
    assertUuid(id, 'id');
    if (grantOf(actor, 'approvals:read') === 'none') authorize(actor, 'approvals:read');
    const [rows] = await db.readAsTenant(actor.tenantId, [{ sql: 'SELECT * FROM approvals WHERE id = $1', params: [id] }]);
    if (!rows[0]) throw AppError.notFound('Approval', id);
    const a = toApproval(rows[0] as unknown as ApprovalRow);
    authorize(actor, 'approvals:read', { ownerId: a.requestedFor });
    return a;
  }

  return {
    ttlHours,

    /** The runtime registers how approved agent actions run (an MCP tool call as the requesting user). */
    setAgentActionExecutor(fn: AgentActionExecutor | undefined): void {
      executor = fn;
    },

    /** The runtime registers how a filed agent action is checked before it is queued (the tool's validation and permissions). */
    setAgentActionCheck(fn: AgentActionCheck | undefined): void {
      check = fn;
    },

    /**
     * File a request. A person files for themselves; the system actor files on behalf of the user it
     * serves. Workflow kinds need `workflows:read` on every workflow (the engine, managers). An agent
     * action its requester could not run is refused here, with the code the run would give, and
     * nothing is queued.
     */
    async request(actor: Actor, raw: unknown): Promise<Approval> {
      const input = parseOrThrow(RequestApprovalInput, raw);
      if (input.kind !== 'agent_action') authorize(actor, 'workflows:read');
      // a key filed before returns its request as it is: a resumed turn asks again after the action ran (a merged-away contact is gone by then)
      else if (!input.idempotencyKey || !(await keyFiled(actor.tenantId, input.idempotencyKey))) await precheck(actor, input.action);
      return inTenantTx(db, actor, (em) => fileApproval(em, actor, input, ttlHours));
    },

    /** Newest first. Managers and admins see every request; a rep those filed for them. */
    async list(actor: Actor, raw: unknown = {}): Promise<Approval[]> {
      const q = parseOrThrow(ListApprovalsQuery, raw);
      const grant = grantOf(actor, 'approvals:read');
      if (grant === 'none') authorize(actor, 'approvals:read');
      const where: string[] = [];
      const params: (string | number | Date)[] = [];
      const p = (v: string | number | Date) => {
        params.push(v);
        return `$${params.length}`;
      };
      const statuses: Record<string, ApprovalStatus[]> = { decided: ['approved', 'rejected', 'expired'], all: [] };
      const wanted = statuses[q.status] ?? [q.status as ApprovalStatus];
      if (wanted.length) where.push(`status IN (${wanted.map((s) => p(s)).join(', ')})`);
      if (q.kind) where.push(`kind = ${p(q.kind)}`);
      if (q.subjectType) where.push(`subject_type = ${p(q.subjectType)}`);
      if (q.subjectId) where.push(`subject_id = ${p(q.subjectId)}`);
      if (grant === 'own') where.push(`requested_for = ${p(actor.userId)}`);
      if (q.before) where.push(`(created_at, id) < (${p(q.before.createdAt)}, ${p(q.before.id)}::uuid)`);
      const sql = `SELECT * FROM approvals ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT ${p(q.limit)}`;
      const [rows] = await db.readAsTenant(actor.tenantId, [{ sql, params }]);
      return rows.map((r) => toApproval(r as unknown as ApprovalRow));
    },

    get,

    /**
     * Approve or reject, exactly once: the row is locked, so of two concurrent decisions one wins
     * and the other gets CONFLICT. An approved agent action then runs once, as the requesting user.
     */
    async decide(actor: Actor, id: string, raw: unknown): Promise<Approval> {
      assertUuid(id, 'id');
      const input = parseOrThrow(DecideApprovalInput, raw);
      const now = new Date();
      const outcome = await inTenantTx(db, actor, async (em) => {
        const a = await loadForUpdate(em, id);
        authorize(actor, 'approvals:decide', { ownerId: a.requestedFor });
        if (a.kind !== 'agent_action' && grantOf(actor, 'approvals:decide') !== 'all') {
          throw AppError.denied('approvals:decide', `${actor.role} may decide only their own assistant's actions; ${a.kind} approvals need a manager or admin`);
        }
        if (a.status !== 'pending') {
          const when = a.decidedAt ? ` at ${a.decidedAt.toISOString()}` : '';
          throw new AppError('CONFLICT', `Approval ${id} was already ${a.status}${when}; a request is decided once`, {
            details: { approvalId: id, status: a.status, decidedBy: a.decidedBy, decidedAt: a.decidedAt?.toISOString() ?? null },
          });
        }
        if (a.expiresAt <= now) return { expired: a, decided: undefined };
        const approved = input.decision === 'approve';
        if (approved && a.kind === 'workflow_activation' && a.requestedFor === actor.userId) {
          throw AppError.denied('approvals:decide', 'A workflow activation is approved by someone other than the person who asked for it (they may reject it to withdraw)');
        }
        const [row] = await em.execute<ApprovalRow[]>(
          `UPDATE approvals SET status = ?, decided_by = ?, decided_at = ?, decision_reason = ?, execution_status = ? WHERE id = ? AND status = 'pending' RETURNING *`,
          [approved ? 'approved' : 'rejected', actor.userId, now, input.reason ?? null, approved && a.kind === 'agent_action' ? 'pending' : 'none', id],
        );
        let decided = toApproval(row);
        if (approved && a.kind === 'workflow_activation') {
          // activates exactly the approved version in this transaction, or CONFLICT rolls the decision back
          const result = await applyActivationApproval(em, actor, decided);
          const [applied] = await em.execute<ApprovalRow[]>(
            `UPDATE approvals SET execution_status = 'succeeded', execution_result = ?, executed_at = now() WHERE id = ? RETURNING *`,
            [json(result), id],
          );
          decided = toApproval(applied);
        }
        await writeAudit(em, actor, 'approval.decided', 'approval', id, { before: { status: 'pending' }, after: { status: decided.status, reason: decided.reason } });
        await writeEvent(em, actor, 'approval.decided', { type: 'approval', id }, decidedPayload(decided));
        await wakeWaiter(em, decided);
        return { decided, expired: undefined };
      });
      if (outcome.expired) {
        await expireInTenant(db, actor.tenantId, now, [id]);
        throw new AppError('CONFLICT', `Approval ${id} expired at ${outcome.expired.expiresAt.toISOString()} and can no longer be decided; file a new request`, {
          details: { approvalId: id, status: 'expired', expiresAt: outcome.expired.expiresAt.toISOString() },
        });
      }
      const decided = outcome.decided!;
      return decided.executionStatus === 'pending' ? execute(actor, id) : decided;
    },

    /**
     * Run an approved agent action whose execution is still pending (approved by a process that had
     * no executor). Once: a running or finished execution is returned as it is.
     */
    async execute(actor: Actor, id: string): Promise<Approval> {
      const a = await get(actor, id);
      authorize(actor, 'approvals:decide', { ownerId: a.requestedFor });
      if (a.status !== 'approved' || a.kind !== 'agent_action') {
        throw new AppError('CONFLICT', `Approval ${id} is ${a.status} (${a.kind}); only approved agent actions are executed`, { details: { approvalId: id, status: a.status } });
      }
      return execute(actor, id);
    },

    /** Expire every overdue pending request (the scheduler's job; optionally one tenant). Returns how many. */
    async expireDue(now = new Date(), tenantId?: string): Promise<number> {
      const tenants = tenantId
        ? [tenantId]
        : await db.asWorker(async (c) =>
            (await c.query<{ tenant_id: string }>(`SELECT DISTINCT tenant_id FROM approvals WHERE status = 'pending' AND expires_at <= $1`, [now])).rows.map((r) => r.tenant_id),
          );
      let total = 0;
      for (const t of tenants) total += (await expireInTenant(db, t, now)).length;
      return total;
    },
  };
}

export type ApprovalService = ReturnType<typeof createApprovalService>;
