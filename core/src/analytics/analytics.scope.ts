import { AppError } from '../errors/app-error.ts';
import { grantOf } from '../auth/rbac.ts';
import type { Actor } from '../users/user.schema.ts';

export interface AnalyticsScope {
  kind: 'all' | 'own';
  /** Set for `own`: only contacts assigned to, and interactions logged by, this user. */
  ownerId: string | null;
}

/**
 * Who sees which numbers: analytics:read or reports:read ⇒ the whole tenant; a rep (who may read
 * their own interactions) ⇒ their own book of business; anyone else is refused.
 */
export function analyticsScope(actor: Actor): AnalyticsScope {
  if (grantOf(actor, 'analytics:read') === 'all' || grantOf(actor, 'reports:read') === 'all') return { kind: 'all', ownerId: null };
  if (grantOf(actor, 'interactions:read') !== 'none') return { kind: 'own', ownerId: actor.userId };
  throw AppError.denied('analytics:read', `${actor.role} lacks the permission analytics:read`);
}
