import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { silentLogger } from '../logger.ts';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '../testing/index.ts';
import { CLAIM_LOCK, CLAIM_SQL, PIN_CLAIM_PLAN, claimBatch } from './outbox.claim.ts';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}
const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)];

/**
 * The claim's plan must not depend on fresh statistics: a big import into an outbox last analysed
 * nearly empty made the planner read the whole backlog (bitmap scan, anti-join, sort) for every
 * claim — 0.5 s per claim at 200k pending. The claim pins its plan for its own transaction.
 */
describe.each(testDbKinds())('outbox claim plan on %s', (kind) => {
  let t: TestDatabase;
  let core: CrmCore;
  let a: TenantFixture;
  let b: TenantFixture;

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    core = createCrmCore({ db: t.db, logger: silentLogger() });
    a = await createTenantFixture(core);
    b = await createTenantFixture(core);
    await core.outbox.drain();
    // statistics of a nearly empty outbox, then a backlog the statistics know nothing of
    await t.db.asWorker(async (c) => {
      await c.query('ANALYZE outbox_events');
      for (const [tenant, n] of [[a.tenantId, 30_000], [b.tenantId, 3]] as const) {
        await c.query(
          `INSERT INTO outbox_events (id, tenant_id, type, aggregate_type, aggregate_id, payload)
           SELECT gen_random_uuid(), $1, 'plan.probe', 'contact', gen_random_uuid(), jsonb_build_object('i', i) FROM generate_series(1, $2) AS i`,
          [tenant, n],
        );
      }
    });
  });
  afterAll(async () => {
    await core.outbox.stop();
    await t.drop();
  });

  it('walks the pending index in order and stops at the limit, whatever the statistics say', async () => {
    const plan = await t.db.asWorker(async (c) => {
      await c.query(PIN_CLAIM_PLAN, [CLAIM_LOCK]);
      const r = await c.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (FORMAT JSON) ${CLAIM_SQL}`, [500, 60, 10]);
      return r.rows[0]['QUERY PLAN'][0].Plan;
    });
    const all = nodes(plan);
    const onOutbox = all.filter((n) => n['Relation Name'] === 'outbox_events');
    expect(onOutbox.map((n) => n['Node Type'])).not.toContain('Seq Scan');
    expect(onOutbox.map((n) => n['Node Type'])).not.toContain('Bitmap Heap Scan');
    expect(all.map((n) => n['Node Type'])).not.toContain('Hash Join');
    // the pending rows come from the (tenant, seq) index, the per-aggregate probe from the lease index
    expect(onOutbox.map((n) => n['Index Name'])).toEqual(expect.arrayContaining(['outbox_pending_tenant_idx', 'outbox_leased_aggregate_idx']));
  });

  it('claims the limit fairly across tenants from the unanalysed backlog, oldest first, and leases nothing else', async () => {
    const rows = await t.db.asWorker((c) => claimBatch(c, { limit: 500, leaseSeconds: 60, maxAttempts: 10 }));
    expect(rows).toHaveLength(500);
    // the small tenant's 3 events are in the first claim although 30,000 of the other's are older
    expect(rows.filter((r) => r.tenant_id === b.tenantId)).toHaveLength(3);
    const seqs = rows.map((r) => Number(r.seq));
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    const leased = await t.db.asWorker(
      async (c) => (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox_events WHERE locked_until IS NOT NULL AND dispatched_at IS NULL`)).rows[0].n,
    );
    expect(leased).toBe(500);
  });
});
