import { AppError } from '../errors/app-error.ts';
import type { Actor, ActorRole } from '../users/user.schema.ts';

/**
 * Role → permissions exactly as the design document's SecurityConfig lists them. A permission
 * ending in `:own` grants the base permission only on records the actor owns.
 *
 * SYSTEM is the tenant's automation actor (workflows, background agents, scheduled jobs): it
 * reads and writes the sales records automations act on (contacts, interactions, follow-ups)
 * and reads workflows, reports and analytics, but never administers users or keys, never reads
 * the audit log and never changes workflow definitions, so a runaway automation cannot widen its
 * own access. Its `onBehalfOf` user is recorded in the audit log and does not change the grant.
 *
 * Approvals (not in the design document): managers and admins see and decide every request; a
 * SALES_REP sees the requests filed for them and decides only their own assistant's actions (the
 * action then runs with the rep's own permissions, so approving widens nothing); workflow steps and
 * activations need `approvals:decide` on every record. SYSTEM files requests but never decides one.
 *
 * Report schedules (`reports:write`, not in the design document): whoever reads reports across the
 * team (managers, admins) may schedule them; a schedule emails the team's numbers outside the CRM.
 */
export const ROLE_PERMISSIONS: Record<ActorRole, readonly string[]> = {
  ADMIN: ['*'],
  SALES_MANAGER: [
    'contacts:read',
    'contacts:write',
    'interactions:read',
    'interactions:write',
    'workflows:read',
    'reports:read',
    'reports:write',
    'approvals:read',
    'approvals:decide',
  ],
  SALES_REP: ['contacts:read', 'contacts:write:own', 'interactions:read:own', 'interactions:write:own', 'approvals:read:own', 'approvals:decide:own'],
  MARKETING_MANAGER: ['contacts:read', 'workflows:read', 'workflows:write', 'analytics:read', 'reports:read', 'reports:write', 'approvals:read', 'approvals:decide'],
  SYSTEM: ['contacts:read', 'contacts:write', 'interactions:read', 'interactions:write', 'workflows:read', 'reports:read', 'analytics:read'],
};

export type Permission =
  | 'contacts:read'
  | 'contacts:write'
  | 'interactions:read'
  | 'interactions:write'
  | 'workflows:read'
  | 'workflows:write'
  | 'reports:read'
  | 'reports:write'
  | 'analytics:read'
  | 'users:write'
  | 'audit:read'
  | 'approvals:read'
  | 'approvals:decide';

export type Grant = 'all' | 'own' | 'none';

/** How much of `permission` the actor holds: everything, only their own records, or nothing. */
export function grantOf(actor: Actor, permission: Permission): Grant {
  const perms = ROLE_PERMISSIONS[actor.role];
  if (perms.includes('*') || perms.includes(permission)) return 'all';
  if (perms.includes(`${permission}:own`)) return 'own';
  return 'none';
}

/**
 * Throw PERMISSION_DENIED unless the actor holds `permission` for a record owned by `ownerId`.
 * Pass `ownerId: undefined` for operations that are not about one record (then `:own` is not enough
 * unless `allowOwnScope` says the caller will scope the query to the actor's records).
 */
export function authorize(
  actor: Actor,
  permission: Permission,
  target: { ownerId?: string | null; allowOwnScope?: boolean } = {},
): Grant {
  const grant = grantOf(actor, permission);
  if (grant === 'all') return grant;
  if (grant === 'own') {
    if (target.allowOwnScope) return grant;
    if (target.ownerId && target.ownerId === actor.userId) return grant;
    const [resource, verb] = permission.split(':');
    // no ownerId: the operation is not about one record (retrain, bulk import), which `:own` never covers
    const scope = target.ownerId === undefined ? `; this action covers all of the tenant's ${resource}` : '';
    // an interaction (or follow-up) belongs to whoever the contact is assigned to
    const what = resource === 'interactions' ? 'interactions and follow-ups of contacts' : resource;
    throw AppError.denied(permission, `${actor.role} may only ${verb} ${what} assigned to themselves${scope}`);
  }
  throw AppError.denied(permission, `${actor.role} lacks the permission ${permission}`);
}

export function can(actor: Actor, permission: Permission, ownerId?: string | null): boolean {
  const grant = grantOf(actor, permission);
  return grant === 'all' || (grant === 'own' && !!ownerId && ownerId === actor.userId);
}

/**
 * Writing the knowledge base needs a tenant-wide write grant on CRM data (contacts:write — ADMIN,
 * SALES_MANAGER) or on automation content (workflows:write — MARKETING_MANAGER). A SALES_REP holds
 * only contacts:write:own, which is about their own records, not content the whole team reads.
 */
export function mayWriteKnowledge(actor: Actor): boolean {
  return grantOf(actor, 'contacts:write') === 'all' || grantOf(actor, 'workflows:write') === 'all';
}

/** Every member reads the tenant's policies; only an ADMIN changes them. */
export function mayChangeTenantSettings(actor: Actor): boolean {
  return actor.role === 'ADMIN';
}
