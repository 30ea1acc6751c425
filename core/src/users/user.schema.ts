import { z } from 'zod';

export const ROLES = ['ADMIN', 'SALES_MANAGER', 'SALES_REP', 'MARKETING_MANAGER'] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

export const UserStatus = z.enum(['active', 'deactivated']);

export const User = z.object({
  id: z.uuid(),
  tenantId: z.uuid(),
  email: z.string(),
  name: z.string(),
  role: Role,
  status: UserStatus,
  createdAt: z.date(),
});
export type User = z.infer<typeof User>;

export const CreateUserInput = z
  .object({
    email: z.string().trim().toLowerCase().pipe(z.email('must be a valid email address')),
    name: z.string().trim().min(1).max(200),
    role: Role,
  })
  .strict();
export type CreateUserInput = z.input<typeof CreateUserInput>;

/** The role of the per-tenant automation user; never assignable to a person, never holds an API key. */
export const SYSTEM_ROLE = 'SYSTEM';
export const ActorRole = z.enum([...ROLES, SYSTEM_ROLE]);
export type ActorRole = z.infer<typeof ActorRole>;

/** `workflow:<id>`, `agent:follow-up`, `job:retrain`: which automation acts, for the audit log. */
export const Via = z.string().regex(/^[a-z][a-z0-9-]{0,31}:[A-Za-z0-9._:/-]{1,120}$/, 'must look like "workflow:<id>" or "agent:<name>"');

/**
 * Who is acting: every service call takes one, and permissions are checked against it. A person
 * (kind 'user', the default) or a tenant's system actor (kind 'system', role SYSTEM) running an
 * automation `via` a workflow or agent, optionally `onBehalfOf` the user who set it up.
 */
export const ActorSchema = z.object({
  userId: z.uuid(),
  tenantId: z.uuid(),
  role: ActorRole,
  kind: z.enum(['user', 'system']).optional(),
  via: Via.optional(),
  onBehalfOf: z.uuid().optional(),
});
export interface Actor {
  userId: string;
  tenantId: string;
  role: ActorRole;
  kind?: 'user' | 'system';
  via?: string;
  onBehalfOf?: string;
}

export const SetRoleInput = z.object({ role: Role }).strict();
