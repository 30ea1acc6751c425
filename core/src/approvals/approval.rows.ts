import type { Approval } from './approval.schema.ts';

/** An `approvals` row as SQL returns it. */
export interface ApprovalRow {
  id: string;
  tenant_id: string;
  kind: Approval['kind'];
  status: Approval['status'];
  action: Record<string, unknown>;
  summary: string;
  risk: Approval['risk'];
  requested_by: string;
  requested_by_kind: Approval['requestedByKind'];
  via: string | null;
  requested_for: string;
  subject_type: string | null;
  subject_id: string | null;
  idempotency_key: string;
  expires_at: Date | string;
  decided_by: string | null;
  decided_at: Date | string | null;
  decision_reason: string | null;
  execution_status: Approval['executionStatus'];
  execution_result: unknown;
  executed_at: Date | string | null;
  created_at: Date | string;
}

const date = (v: Date | string) => (v instanceof Date ? v : new Date(v));
const maybeDate = (v: Date | string | null) => (v === null ? null : date(v));

export function toApproval(r: ApprovalRow): Approval {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    kind: r.kind,
    status: r.status,
    action: typeof r.action === 'string' ? JSON.parse(r.action) : r.action,
    summary: r.summary,
    risk: r.risk,
    requestedBy: r.requested_by,
    requestedByKind: r.requested_by_kind,
    via: r.via,
    requestedFor: r.requested_for,
    subjectType: r.subject_type,
    subjectId: r.subject_id,
    expiresAt: date(r.expires_at),
    decidedBy: r.decided_by,
    decidedAt: maybeDate(r.decided_at),
    reason: r.decision_reason,
    executionStatus: r.execution_status,
    executionResult: r.execution_result ?? null,
    executedAt: maybeDate(r.executed_at),
    createdAt: date(r.created_at),
  };
}
