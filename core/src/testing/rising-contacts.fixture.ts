import type { Database } from '../db/database.ts';

/**
 * Sixty days of new contacts, backdated and steadily rising (1 a day 60 days ago, 10 a day
 * yesterday), optionally assigned to one user: enough history for insight generation to report a
 * real trend ("New contacts rising over 8 weeks") — a tenant whose contacts were all made today has
 * no complete day of activity, so it gets no insight at all. Inserted directly (as an import of
 * history leaves them, without events); `tag` keeps the e-mails apart when called twice.
 */
export async function plantRisingContacts(db: Database, tenantId: string, options: { assignedTo?: string; tag?: string } = {}): Promise<void> {
  const tag = options.tag ?? 'rising';
  await db.withTenant(tenantId, (em) =>
    em.execute(
      `INSERT INTO contacts (id, tenant_id, first_name, last_name, email, status, source, assigned_to, created_at, updated_at)
       SELECT gen_random_uuid(), ?, 'Past', 'Lead ' || d, ? || d || '-' || n || '@history.test', 'LEAD',
              CASE WHEN n % 2 = 0 THEN 'webinar' ELSE 'referral' END, ?, now() - make_interval(days => d), now() - make_interval(days => d)
       FROM generate_series(1, 60) AS d, generate_series(1, 1 + (60 - d) / 6) AS n`,
      [tenantId, tag, options.assignedTo ?? null],
    ),
  );
}
