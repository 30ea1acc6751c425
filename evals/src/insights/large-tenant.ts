/**
 * A large tenant generated set-wise inside the database (generate_series, one INSERT … SELECT per
 * table in one statement), so a million interactions take seconds instead of the minutes the
 * row-by-row planted fixture needs. Effects are planted like the fixture's: leads grow over the
 * year, `webinar` converts about twice as often with fewer touches, one rep converts a third as
 * often. Rows go in as the tenant (row-level security applies).
 */
import type { CrmCore, Database } from '@crm/core';
import { databaseOf, type TenantFixture } from '@crm/core/testing';

export interface LargeTenantOptions {
  now: Date;
  contacts: number;
  /** Interactions per contact on average (before those that would lie after `now` are dropped). */
  touches: number;
  days?: number;
  /** Extra sales reps beside the fixture's users ("several reps"). */
  extraReps?: number;
}

const SOURCES = ['website', 'referral', 'linkedin', 'webinar', 'paid_search', 'event', 'partner', 'cold_call'];

export async function generateLargeTenant(core: CrmCore, db: Database, f: TenantFixture, o: LargeTenantOptions): Promise<{ contacts: number; interactions: number; conversions: number }> {
  for (let k = 0; k < (o.extraReps ?? 4); k++) await core.users.createUser(f.admin, { email: `rep${k}@large.test`, name: `Rep ${k}`, role: 'SALES_REP' });
  const days = o.days ?? 365;
  const start = new Date(o.now.getTime() - days * 86_400_000);
  // $1 tenant, $2 window start, $3 now, $4 contacts, $5 touches, $6 days, $7 the weak rep
  const sql = `WITH owners AS (SELECT array_agg(id ORDER BY email) AS ids FROM users WHERE role IN ('ADMIN', 'SALES_MANAGER', 'SALES_REP')),
    g AS (
      SELECT gen_random_uuid() AS id, n,
        -- density growing linearly over the window: twice as many leads at the end as at the start
        $2::timestamptz + ((sqrt(1 + 3 * random()) - 1) * $6::int) * interval '1 day' AS created_at,
        (ARRAY['${SOURCES.join("','")}'])[1 + n % ${SOURCES.length}] AS source,
        owners.ids[1 + (n * 7919) % cardinality(owners.ids)] AS owner, random() AS u, random() AS v
      FROM generate_series(1, $4::int) n, owners),
    c AS (
      SELECT g.*, CASE WHEN u < (CASE WHEN source = 'webinar' THEN 0.36 ELSE 0.18 END) / (CASE WHEN owner = $7::uuid THEN 3 ELSE 1 END)
        THEN created_at + (5 + v * 30) * interval '1 day' END AS conv_at
      FROM g),
    ins_c AS (
      INSERT INTO contacts (id, tenant_id, first_name, last_name, email, source, assigned_to, status, metadata, created_at, updated_at)
      SELECT id, $1::uuid, 'G', 'C' || n, 'g' || n || '@large.test', source, owner,
        CASE WHEN conv_at < $3::timestamptz THEN 'CUSTOMER' ELSE 'PROSPECT' END,
        jsonb_build_object('campaignId', CASE WHEN source = 'webinar' THEN 'webinar-q3' ELSE 'camp-' || (n % 10) END), created_at, created_at
      FROM c RETURNING 1),
    ins_a AS (
      INSERT INTO audit_log (tenant_id, actor_id, actor_role, action, entity_type, entity_id, diff, created_at)
      SELECT $1::uuid, owner, 'SALES_REP', 'contact.status_changed', 'contact', id,
        '{"before":{"status":"PROSPECT"},"after":{"status":"CUSTOMER"}}'::jsonb, conv_at
      FROM c WHERE conv_at < $3::timestamptz RETURNING 1),
    touches AS (
      SELECT c.id AS contact_id, c.owner, k, c.created_at + (k * 1.7 + random()) * interval '1 day' AS at
      FROM c, generate_series(0, (CASE WHEN c.source = 'webinar' THEN $5::float8 * 0.5 ELSE $5::float8 * 1.1 END * (0.5 + c.v))::int) k),
    ins_i AS (
      INSERT INTO interactions (id, tenant_id, contact_id, user_id, type, channel, direction, content, sentiment, created_at)
      SELECT gen_random_uuid(), $1::uuid, contact_id, CASE WHEN k % 2 = 0 THEN NULL ELSE owner END, 'EMAIL', 'EMAIL',
        CASE WHEN k % 2 = 0 THEN 'INBOUND' ELSE 'OUTBOUND' END, '',
        jsonb_build_object('score', round((random() * 1.2 - 0.3)::numeric, 2), 'confidence', 0.7, 'emotions', '[]'::jsonb), at
      FROM touches WHERE at < $3::timestamptz RETURNING 1)
    SELECT (SELECT count(*) FROM ins_c)::int AS contacts, (SELECT count(*) FROM ins_i)::int AS interactions, (SELECT count(*) FROM ins_a)::int AS conversions`;
  const [[row]] = await databaseOf(db).writeAsTenant(f.tenantId, [{ sql, params: [f.tenantId, start, o.now, o.contacts, o.touches, days, f.otherRep.userId] }]);
  return { contacts: row.contacts as number, interactions: row.interactions as number, conversions: row.conversions as number };
}
