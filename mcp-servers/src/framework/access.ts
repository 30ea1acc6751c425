import type { Actor } from '@crm/core';
import { grantOf, mayChangeTenantSettings, mayWriteKnowledge } from '@crm/core/contracts';

/**
 * Who sees a tool in tools/list and may call it: the grant its service checks first, read from
 * core's RBAC (the one role → permission table), so the list and the call cannot disagree about a
 * role. A hidden tool called anyway answers PERMISSION_DENIED naming the permission (before its
 * arguments are validated: a role that may not call it learns nothing from its schema).
 */
export interface ToolAccess {
  /** The permission named in the refusal (as core's own refusal names it). */
  permission: string;
  /** How the role lacks it, after "<ROLE> "; e.g. "lacks the permission workflows:write". */
  lacking: string;
  allows(actor: Actor): boolean;
}

type Permission = Parameters<typeof grantOf>[1];

/** Any grant of the permission, `:own` included (the service then scopes to the actor's records). */
export const holds = (permission: Permission): ToolAccess => ({
  permission,
  lacking: `lacks the permission ${permission}`,
  allows: (actor) => grantOf(actor, permission) !== 'none',
});

/** The permission on every record of the tenant: an action that is not about one record (retrain, import). */
export const holdsTenantWide = (permission: Permission): ToolAccess => ({
  permission,
  lacking: `lacks the permission ${permission} on all of the tenant's records`,
  allows: (actor) => grantOf(actor, permission) === 'all',
});

/** Adding or deleting knowledge documents (core's knowledge service decides the same way). */
export const writesKnowledge: ToolAccess = {
  permission: 'knowledge:write',
  lacking: 'may read the knowledge base but not add or delete documents',
  allows: mayWriteKnowledge,
};

/** Changing the tenant's policies (core's tenant-settings service decides the same way). */
export const changesTenantSettings: ToolAccess = {
  permission: 'settings:write',
  lacking: 'may read the tenant settings; only an ADMIN changes them',
  allows: mayChangeTenantSettings,
};
