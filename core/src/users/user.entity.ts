import { defineEntity, p } from '@mikro-orm/postgresql';
import { ROLES } from './user.schema.ts';

export const UserEntity = defineEntity({
  name: 'User',
  tableName: 'users',
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    email: p.text(),
    name: p.text(),
    role: p.enum([...ROLES, 'SYSTEM']),
    deactivatedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
