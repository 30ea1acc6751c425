import { defineEntity, p } from '@mikro-orm/postgresql';

export const FollowUpEntity = defineEntity({
  name: 'FollowUp',
  tableName: 'follow_ups',
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    contactId: p.uuid(),
    ownerId: p.uuid(),
    title: p.text(),
    notes: p.text().nullable(),
    dueAt: p.datetime(),
    done: p.boolean(),
    completedAt: p.datetime().nullable(),
    interactionId: p.uuid().nullable(),
    dueNotifiedAt: p.datetime().nullable(),
    createdAt: p.datetime(),
  },
});
