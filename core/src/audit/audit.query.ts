import { z } from 'zod';
import { authorize } from '../auth/rbac.ts';
import type { Database } from '../db/database.ts';
import { ListPageQuery, offsetPageCounting, type ListPage } from '../db/offset-page.ts';
import { inTenantTx } from '../db/tenant-tx.ts';
import { parseOrThrow } from '../errors/zod-issues.ts';
import type { Actor } from '../users/user.schema.ts';
import { countAudit, listAudit, type AuditEntry } from './audit.service.ts';

/** A page of the audit log, newest first: filters, `before` (keyset for exports) and page/limit. */
export const AuditPageQuery = z
  .object({
    entityType: z.string().max(50, 'must be at most 50 characters').optional(),
    entityId: z.uuid('must be an entity id (UUID)').optional(),
    before: z
      .string()
      .regex(/^[1-9][0-9]{0,17}$/, 'must be an audit entry id (a positive integer)')
      .optional()
      .describe('Only entries older than this audit entry id: for exports past the deepest page, pass the last id of the previous page'),
    ...ListPageQuery,
  })
  .strict();

export function createAuditService(db: Database) {
  return {
    async list(actor: Actor, filter: { entityType?: string; entityId?: string; limit?: number } = {}): Promise<AuditEntry[]> {
      authorize(actor, 'audit:read');
      return inTenantTx(db, actor, (em) => listAudit(em, filter));
    },

    /** One page with its (capped) count; no cap on how far back the log can be read (`before`). */
    async page(actor: Actor, raw: unknown = {}): Promise<ListPage<AuditEntry>> {
      authorize(actor, 'audit:read');
      const { page, limit, ...filter } = parseOrThrow(AuditPageQuery, raw);
      return inTenantTx(db, actor, async (em) => {
        const rows = await listAudit(em, { ...filter, limit: limit + 1, offset: (page - 1) * limit });
        return offsetPageCounting(rows, page, limit, () => countAudit(em, filter));
      });
    },
  };
}
