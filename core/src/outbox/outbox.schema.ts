export const EVENT_TYPES = [
  'contact.created',
  'contact.updated',
  'contact.status_changed',
  'contact.merged',
  'interaction.logged',
  'follow-up.created',
  'follow-up.completed',
  'follow-up.due',
  'lead_score.changed',
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
