export const EVENT_TYPES = [
  'contact.created',
  'contact.updated',
  'contact.status_changed',
  'contact.merged',
  'contact.deleted',
  'interaction.logged',
  'follow-up.created',
  'follow-up.completed',
  'follow-up.due',
  'lead_score.changed',
  'workflow.triggered',
  'workflow.completed',
  'workflow.failed',
  'workflow.cancelled',
  'approval.requested',
  'approval.decided',
  'approval.executed',
  'insight.generated',
] as const;
export type EventType = (typeof EVENT_TYPES)[number] | (string & {});

export interface OutboxEvent<P = Record<string, unknown>> {
  id: string;
  seq: number;
  tenantId: string;
  type: EventType;
  aggregateType: string;
  aggregateId: string | null;
  actorId: string | null;
  payload: P;
  createdAt: Date;
}

/** An `outbox_events` row as read by the dispatcher and the tail. */
export interface OutboxRow {
  seq: string;
  id: string;
  tenant_id: string;
  type: string;
  aggregate_type: string;
  aggregate_id: string | null;
  actor_id: string | null;
  payload: Record<string, unknown>;
  created_at: Date;
}

export function toOutboxEvent(row: OutboxRow): OutboxEvent {
  return {
    id: row.id,
    seq: Number(row.seq),
    tenantId: row.tenant_id,
    type: row.type,
    aggregateType: row.aggregate_type,
    aggregateId: row.aggregate_id,
    actorId: row.actor_id,
    payload: row.payload,
    createdAt: new Date(row.created_at),
  };
}
