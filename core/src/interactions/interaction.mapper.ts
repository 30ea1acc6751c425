import type { Interaction } from './interaction.schema.ts';

export function toInteraction(e: Record<string, unknown>): Interaction {
  const g = (camel: string, snake: string) => (e[camel] !== undefined ? e[camel] : e[snake]);
  const date = (v: unknown) => (v == null ? null : v instanceof Date ? v : new Date(String(v)));
  return {
    id: e.id as string,
    tenantId: g('tenantId', 'tenant_id') as string,
    contactId: g('contactId', 'contact_id') as string,
    userId: (g('userId', 'user_id') as string | null) ?? null,
    type: e.type as Interaction['type'],
    channel: e.channel as Interaction['channel'],
    subject: (e.subject as string | null) ?? null,
    content: (e.content as string) ?? '',
    direction: e.direction as Interaction['direction'],
    duration: (e.duration as number | null) ?? null,
    outcome: (e.outcome as string | null) ?? null,
    scheduledFollowUp: date(g('scheduledFollowUp', 'scheduled_follow_up')),
    attachments: (e.attachments as string[]) ?? [],
    sentiment: (e.sentiment as Interaction['sentiment']) ?? null,
    tags: (e.tags as string[]) ?? [],
    metadata: (e.metadata as Record<string, unknown>) ?? {},
    createdAt: date(g('createdAt', 'created_at')) as Date,
  };
}
