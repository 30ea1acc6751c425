import type { Database } from '../db/database.ts';

/**
 * Cross-tenant facts the platform needs before anyone has logged in (is this a fresh install? whom
 * does the CLI act as on a single-tenant database?). Read as the system worker role.
 */
export function createTenantDirectory(db: Database) {
  return {
    async countTenants(): Promise<number> {
      const [rows] = await db.readAsWorker([{ sql: 'SELECT count(*)::int AS n FROM tenants' }]);
      return Number((rows[0] as { n: number }).n);
    },
    /** The earliest admin of every tenant (email + tenant slug). */
    async firstAdmins(): Promise<{ email: string; slug: string }[]> {
      const [rows] = await db.readAsWorker([
        {
          sql: `SELECT DISTINCT ON (t.id) u.email, t.slug FROM tenants t JOIN users u ON u.tenant_id = t.id AND u.role = 'ADMIN'
                ORDER BY t.id, u.created_at`,
        },
      ]);
      return rows as { email: string; slug: string }[];
    },
    /** The id of the tenant with this slug, or null. */
    async tenantIdBySlug(slug: string): Promise<string | null> {
      const [rows] = await db.readAsWorker([{ sql: 'SELECT id FROM tenants WHERE slug = $1', params: [slug] }]);
      return (rows[0] as { id: string } | undefined)?.id ?? null;
    },
    /** Round trip to the database as the worker role; throws when it is unreachable. */
    async ping(): Promise<number> {
      const started = performance.now();
      await db.readAsWorker([{ sql: 'SELECT 1' }]);
      return performance.now() - started;
    },
  };
}

export type TenantDirectory = ReturnType<typeof createTenantDirectory>;
