import { authorize } from '../auth/rbac.ts';
import type { Database } from '../db/database.ts';
import { inTenantTx } from '../db/tenant-tx.ts';
import type { Actor } from '../users/user.schema.ts';
import { listAudit, type AuditEntry } from './audit.service.ts';

export function createAuditService(db: Database) {
  return {
    async list(actor: Actor, filter: { entityType?: string; entityId?: string; limit?: number } = {}): Promise<AuditEntry[]> {
      authorize(actor, 'audit:read');
      return inTenantTx(db, actor, (em) => listAudit(em, filter));
    },
  };
}
