import { z } from 'zod';
import { writeAudit } from '../audit/audit.service.ts';
import { authorize } from '../auth/rbac.ts';
import type { Database, EntityManager } from '../db/database.ts';
import { inTenantTx } from '../db/tenant-tx.ts';
import { AppError } from '../errors/app-error.ts';
import { parseOrThrow } from '../errors/zod-issues.ts';
import type { Actor } from '../users/user.schema.ts';
import { toExecution, type ExecutionRow } from './workflow.rows.ts';
import type { WorkflowDefinition, WorkflowExecution } from './workflow.schema.ts';

export const MANUAL_EFFECT_KIND = 'MANUAL';

export const CompleteStepInput = z
  .object({
    executionId: z.uuid('must be an execution id (UUID)'),
    stepId: z.string().min(1, 'is required'),
    /** What the step "returned"; later steps see it as `steps.<stepId>`. An AI_DECISION needs `stepId`: the branch taken. */
    output: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

/**
 * The failed execution and its failed step, refused unless `stepId` is that step (and an
 * AI_DECISION names its branch); `lock` takes the execution's row for the write.
 */
async function loadCompletable(em: EntityManager, input: z.output<typeof CompleteStepInput>, lock: boolean) {
  const { executionId, stepId, output } = input;
  const [row] = await em.execute<(ExecutionRow & { definition: WorkflowDefinition })[]>(
    `SELECT e.*, v.definition FROM workflow_executions e JOIN workflow_versions v ON v.workflow_id = e.workflow_id AND v.version = e.version
     WHERE e.id = ?${lock ? ' FOR UPDATE OF e' : ''}`,
    [executionId],
  );
  if (!row) throw AppError.notFound('Execution', executionId);
  if (row.status !== 'failed') {
    throw new AppError('CONFLICT', `Execution ${executionId} is ${row.status}: only a failed execution's failed step can be completed by hand`);
  }
  // the last attempt is the one that failed the execution; its step id is the visit key (`step` or `step#2` in a loop)
  const [last] = await em.execute<{ step_id: string; attempt: number; status: string }[]>(
    'SELECT step_id, attempt, status FROM workflow_step_attempts WHERE execution_id = ? ORDER BY id DESC LIMIT 1',
    [executionId],
  );
  const failedStep = last?.step_id.split('#')[0];
  if (!last || last.status !== 'failed' || failedStep !== stepId) {
    throw AppError.validation([{ path: 'stepId', reason: failedStep ? `the failed step of this execution is "${failedStep}", not "${stepId}"` : 'this execution has no failed step' }]);
  }
  const step = row.definition.steps.find((s) => s.id === stepId)!;
  if (step.type === 'AI_DECISION') {
    const branches = (step.config as { branches: { stepId: string }[] }).branches.map((b) => b.stepId);
    if (typeof output.stepId !== 'string' || !branches.includes(output.stepId)) {
      throw AppError.validation([{ path: 'output.stepId', reason: `an AI_DECISION completed by hand names the branch taken: one of ${branches.join(', ')}` }]);
    }
  }
  return { row, last };
}

/** What completeFailedStep would refuse first, doing nothing (the approval queue asks before filing). */
export async function checkCompleteFailedStep(db: Database, actor: Actor, input: z.input<typeof CompleteStepInput>): Promise<void> {
  authorize(actor, 'workflows:write');
  const parsed = parseOrThrow(CompleteStepInput, input);
  await db.withTenant(actor.tenantId, (em) => loadCompletable(em, parsed, false));
}

/**
 * Manual completion of a failed step: a person did what the step could not (sent the mail, called
 * the partner) and records it. The step's effect-ledger entry becomes done with the given output
 * (so no worker ever performs the effect again), an attempt "completed by hand" is recorded, and
 * the execution is queued again: a worker resumes it from its checkpoint, takes the step as done
 * and continues with the step's next steps. Audited as `workflow.step_completed`.
 */
export async function completeFailedStep(db: Database, actor: Actor, input: z.input<typeof CompleteStepInput>): Promise<WorkflowExecution> {
  authorize(actor, 'workflows:write');
  const parsed = parseOrThrow(CompleteStepInput, input);
  const { executionId, stepId, output } = parsed;
  return inTenantTx(db, actor, async (em) => {
    const { row, last } = await loadCompletable(em, parsed, true);
    const result = { ...output, completedBy: actor.userId ?? null };
    const key = `${executionId}:${last.step_id}`;
    await em.execute(
      `INSERT INTO workflow_effects (idempotency_key, tenant_id, execution_id, step_id, kind, status, result, done_at) VALUES (?, ?, ?, ?, ?, 'done', ?, now())
       ON CONFLICT (idempotency_key) DO UPDATE SET kind = EXCLUDED.kind, status = 'done', result = EXCLUDED.result, done_at = now()`,
      [key, actor.tenantId, executionId, stepId, MANUAL_EFFECT_KIND, JSON.stringify(result)],
    );
    await em.execute(
      `INSERT INTO workflow_step_attempts (tenant_id, execution_id, step_id, attempt, status, input, output, error, started_at) VALUES (?, ?, ?, ?, 'succeeded', ?, ?, NULL, now())`,
      [actor.tenantId, executionId, last.step_id, last.attempt + 1, JSON.stringify({ completedManually: true }), JSON.stringify(result)],
    );
    await em.execute(
      `UPDATE workflow_executions SET status = 'pending', error = NULL, output = NULL, finished_at = NULL, wake_at = now(), wait_timer = false, locked_by = NULL, locked_until = NULL WHERE id = ?`,
      [executionId],
    );
    await writeAudit(em, actor, 'workflow.step_completed', 'workflow_execution', executionId, { before: { status: 'failed', error: row.error }, after: { stepId, output: result } });
    const [updated] = await em.execute<ExecutionRow[]>('SELECT * FROM workflow_executions WHERE id = ?', [executionId]);
    return toExecution(updated);
  });
}
