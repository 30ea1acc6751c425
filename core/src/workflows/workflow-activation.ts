import { randomUUID } from 'node:crypto';
import { toApproval, type ApprovalRow } from '../approvals/approval.rows.ts';
import { fileApproval } from '../approvals/approval.service.ts';
import type { Approval } from '../approvals/approval.schema.ts';
import { writeAudit } from '../audit/audit.service.ts';
import type { EntityManager } from '../db/database.ts';
import { AppError } from '../errors/app-error.ts';
import { readTenantSettings } from '../tenants/tenant-settings.ts';
import type { Actor } from '../users/user.schema.ts';

/**
 * Activation under the tenant's `workflowActivationRequiresApproval` policy. When it is on, anyone
 * but an ADMIN (who can switch the policy off anyway) files a `workflow_activation` approval for
 * the exact version instead of activating; a manager or admin other than the requester approves it,
 * and the approval activates that version once — or refuses with CONFLICT when the workflow was
 * edited meanwhile (the request stays pending so it can be rejected; activate again for the new
 * version).
 */
export async function activationNeedsApproval(em: EntityManager, actor: Actor): Promise<boolean> {
  if (actor.role === 'ADMIN') return false;
  return (await readTenantSettings(em)).workflowActivationRequiresApproval;
}

interface LockedWorkflow {
  id: string;
  name: string;
  is_active: boolean;
  current_version: number;
}

async function lockWorkflow(em: EntityManager, id: string): Promise<LockedWorkflow> {
  const [row] = await em.execute<LockedWorkflow[]>('SELECT id, name, is_active, current_version FROM workflows WHERE id = ? FOR UPDATE', [id]);
  if (!row) throw AppError.notFound('Workflow', id);
  return row;
}

/** Switch a workflow on in the caller's transaction (audited); a schedule starts counting now. */
export async function switchOn(em: EntityManager, actor: Actor, id: string, extra: Record<string, unknown> = {}): Promise<void> {
  await em.execute('UPDATE workflows SET is_active = true, updated_at = now(), last_scheduled_at = now() WHERE id = ?', [id]);
  await writeAudit(em, actor, 'workflow.activated', 'workflow', id, { after: { isActive: true, ...extra } });
}

/**
 * The pending activation request for this workflow version (the same one is returned to whoever
 * asks again), or a new one. The caller holds the workflow's row lock, so two concurrent asks file one.
 */
export async function requestActivation(em: EntityManager, actor: Actor, id: string, ttlHours: number): Promise<Approval> {
  const wf = await lockWorkflow(em, id);
  const [existing] = await em.execute<ApprovalRow[]>(
    `SELECT * FROM approvals WHERE kind = 'workflow_activation' AND status = 'pending' AND subject_type = 'workflow' AND subject_id = ?
     AND (action->>'version')::int = ? AND expires_at > now() ORDER BY created_at LIMIT 1`,
    [id, wf.current_version],
  );
  if (existing) return toApproval(existing);
  return fileApproval(em, actor, activationInput(wf, `workflow-activation:${id}:v${wf.current_version}:${randomUUID()}`), ttlHours);
}

function activationInput(wf: LockedWorkflow, idempotencyKey: string) {
  return {
    kind: 'workflow_activation' as const,
    action: { workflowId: wf.id, version: wf.current_version },
    summary: `Activate workflow "${wf.name}" version ${wf.current_version}`,
    risk: 'medium' as const,
    subject: { type: 'workflow' as const, id: wf.id },
    idempotencyKey,
  };
}

/**
 * Apply an approved activation in the deciding transaction: exactly the approved version, or a
 * CONFLICT (rolling the decision back) when the workflow has moved on to another version.
 */
export async function applyActivationApproval(em: EntityManager, decider: Actor, a: Approval): Promise<Record<string, unknown>> {
  const { workflowId, version } = a.action as { workflowId: string; version: number };
  const wf = await lockWorkflow(em, workflowId);
  if (wf.current_version !== version) {
    throw new AppError(
      'CONFLICT',
      `Workflow "${wf.name}" was edited to version ${wf.current_version} after activation of version ${version} was requested; approving would activate a version nobody reviewed. Reject this request and activate the workflow again to file one for version ${wf.current_version}`,
      { details: { approvalId: a.id, workflowId, requestedVersion: version, currentVersion: wf.current_version } },
    );
  }
  if (wf.is_active) return { workflowId, version, activated: false, note: 'already active' };
  await switchOn(em, decider, workflowId, { version, approvalId: a.id, requestedBy: a.requestedFor });
  return { workflowId, version, activated: true };
}
