import { defineEntity, p } from '@mikro-orm/postgresql';
import { CHANNELS, INTERACTION_TYPES, type SentimentScore } from './interaction.schema.ts';

export const InteractionEntity = defineEntity({
  name: 'Interaction',
  tableName: 'interactions',
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    contactId: p.uuid(),
    userId: p.uuid().nullable(),
    type: p.enum([...INTERACTION_TYPES]),
    channel: p.enum([...CHANNELS]),
    subject: p.text().nullable(),
    content: p.text(),
    direction: p.enum(['INBOUND', 'OUTBOUND'] as const),
    duration: p.integer().nullable(),
    outcome: p.text().nullable(),
    scheduledFollowUp: p.datetime().nullable(),
    attachments: p.json<string[]>(),
    sentiment: p.json<SentimentScore>().nullable(),
    tags: p.json<string[]>(),
    metadata: p.json<Record<string, unknown>>(),
    createdAt: p.datetime(),
  },
});
