import { z } from 'zod';
import { withdrawPendingFor } from '../approvals/approval.service.ts';
import { writeAudit } from '../audit/audit.service.ts';
import { authorize } from '../auth/rbac.ts';
import type { Database, EntityManager } from '../db/database.ts';
import { inTenantTx } from '../db/tenant-tx.ts';
import { AppError } from '../errors/app-error.ts';
import { parseOrThrow } from '../errors/zod-issues.ts';
import { writeEvent } from '../outbox/outbox.writer.ts';
import type { Actor } from '../users/user.schema.ts';
import { toExecution, type ExecutionRow } from './workflow.rows.ts';
import type { WorkflowExecution } from './workflow.schema.ts';

export const CancelExecutionInput = z
  .object({
    executionId: z.uuid('must be an execution id (UUID)'),
    reason: z.string().trim().min(1, 'must not be empty').max(500, 'must be at most 500 characters').optional(),
  })
  .strict();

const OPEN = new Set(['pending', 'running', 'waiting']);

/** The execution to cancel, refused unless it exists and has not ended; `lock` takes its row for the write. */
async function loadCancellable(em: EntityManager, executionId: string, lock: boolean) {
  const [row] = await em.execute<(ExecutionRow & { owner_id: string })[]>(
    `SELECT e.*, w.owner_id FROM workflow_executions e JOIN workflows w ON w.id = e.workflow_id WHERE e.id = ?${lock ? ' FOR UPDATE OF e' : ''}`,
    [executionId],
  );
  if (!row) throw AppError.notFound('Execution', executionId);
  if (!OPEN.has(row.status)) {
    throw new AppError('CONFLICT', `Execution ${executionId} is ${row.status}: only a pending, running or waiting execution can be cancelled`, { details: { status: row.status } });
  }
  return row;
}

/** What cancelExecution would refuse first, doing nothing (the approval queue asks before filing). */
export async function checkCancelExecution(db: Database, actor: Actor, input: z.input<typeof CancelExecutionInput>): Promise<void> {
  authorize(actor, 'workflows:write');
  const { executionId } = parseOrThrow(CancelExecutionInput, input);
  await db.withTenant(actor.tenantId, (em) => loadCancellable(em, executionId, false));
}

/**
 * Stop an execution that has not ended: a pending one, one parked on a WAIT (a 30-day nurture
 * sequence) or on an approval, or one a worker is running. The row becomes `cancelled` and its lease
 * is cleared in one transaction, so every fenced write of a worker still holding it (heartbeat, park,
 * finish) finds nothing and that worker stops; a due WAIT timer wakes nothing (it only resumes
 * `waiting` rows); a pending step approval of the execution is rejected with it. A step already
 * acting when the cancel commits may finish that one effect.
 * Audited as `workflow.execution_cancelled`; the `workflow.cancelled` event tells live subscribers.
 */
export async function cancelExecution(db: Database, actor: Actor, input: z.input<typeof CancelExecutionInput>): Promise<WorkflowExecution> {
  authorize(actor, 'workflows:write');
  const { executionId, reason } = parseOrThrow(CancelExecutionInput, input);
  return inTenantTx(db, actor, async (em) => {
    const row = await loadCancellable(em, executionId, true);
    // who cancelled is in the audit row; the execution keeps the reason
    const error = reason ? `cancelled: ${reason}` : 'cancelled';
    const [updated] = await em.execute<ExecutionRow[]>(
      `UPDATE workflow_executions SET status = 'cancelled', error = ?, finished_at = now(), wait_timer = false, locked_by = NULL, locked_until = NULL
       WHERE id = ? RETURNING *`,
      [error, executionId],
    );
    // a step parked on an approval: the request goes with it (approving it would resume nothing)
    await withdrawPendingFor(em, actor, { type: 'workflow_execution', id: executionId }, 'the workflow execution was cancelled');
    await writeAudit(em, actor, 'workflow.execution_cancelled', 'workflow_execution', executionId, { before: { status: row.status }, after: { status: 'cancelled', reason: reason ?? null } });
    await writeEvent(em, actor, 'workflow.cancelled', { type: 'workflow', id: row.workflow_id }, { executionId, workflowId: row.workflow_id, ownerId: row.owner_id, previousStatus: row.status, reason: reason ?? null });
    return toExecution(updated);
  });
}
