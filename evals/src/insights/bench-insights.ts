/**
 * Time to compute every insight (and the metrics, and every report type) for the demo tenant and
 * for a large generated tenant.
 *
 *   npx tsx evals/src/insights/bench-insights.ts [--url postgresql://…] [--contacts 100000] [--touches 10] [--skip-demo]
 *
 * Without --url it runs on in-memory PGlite. The large tenant is generated set-wise in the
 * database (see large-tenant.ts): --contacts contacts over 365 days with about --touches
 * interactions each (100,000 × 10 ≈ 1M interactions). Use a scratch database: it is not cleaned up.
 */
import { parseArgs } from 'node:util';
import { createCrmCore, openDatabase, seedDemoTenant, silentLogger, type Actor } from '@crm/core';
import { createTenantFixture, databaseOf } from '@crm/core/testing';
import { generateLargeTenant } from './large-tenant.ts';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    contacts: { type: 'string', default: '100000' },
    touches: { type: 'string', default: '10' },
    'skip-demo': { type: 'boolean', default: false },
    // time the tenant with the most interactions already in the database (a previous run's) instead of generating one
    reuse: { type: 'boolean', default: false },
  },
});
const logger = silentLogger();
const config = values.url ? { url: values.url, dataDir: 'unused', pglitePort: 0, poolMax: 10 } : { dataDir: 'memory://', pglitePort: 0, poolMax: 10 };
// The generator is one long statement; the reads keep the default 30 s limit (the product's).
const db = await openDatabase({ config, logger, timeouts: { statementTimeoutMs: 600_000, queryTimeoutMs: 610_000 } });
const core = createCrmCore({ db, logger, knowledge: { indexInteractions: false } });
const REPORTS = ['LEAD_PERFORMANCE', 'SALES_PIPELINE', 'CAMPAIGN_ANALYSIS', 'USER_ACTIVITY', 'CUSTOMER_SATISFACTION', 'FINANCIAL_METRICS'] as const;
const secs = (t0: number) => ((performance.now() - t0) / 1000).toFixed(2);

async function time(label: string, actor: Actor): Promise<void> {
  let t0 = performance.now();
  const insights = await core.insights.generate(actor, {});
  const tInsights = secs(t0);
  t0 = performance.now();
  const metrics = await core.analytics.metrics(actor, {});
  const tMetrics = secs(t0);
  const reports: string[] = [];
  for (const type of REPORTS) {
    t0 = performance.now();
    await core.reports.run(actor, { type });
    reports.push(`${type} ${secs(t0)}`);
  }
  console.log(`${label}:\n  generate_insights ${tInsights} s (${insights.insights.length} insights), get_metrics ${tMetrics} s (${metrics.metrics.length} metrics)\n  run_report s: ${reports.join(', ')}`);
}

try {
  if (!values['skip-demo']) {
    const seeded = await seedDemoTenant(core, {});
    const admin = await core.users.actorByEmail(seeded.users.find((u) => u.role === 'ADMIN')!.email, seeded.slug);
    const [[demo]] = await databaseOf(db).readAsTenant(admin.tenantId, [{ sql: 'SELECT (SELECT count(*) FROM contacts)::int AS c, (SELECT count(*) FROM interactions)::int AS i' }]);
    await time(`demo tenant (${demo.c} contacts, ${demo.i} interactions, ${db.kind})`, admin);
  }
  let admin: Actor;
  let rep: Actor;
  let big: { contacts: number; interactions: number };
  if (values.reuse) {
    const c = await databaseOf(db).connect();
    try {
      const { rows } = await c.query(`SELECT t.tenant_id, (SELECT count(*) FROM contacts WHERE tenant_id = t.tenant_id)::int AS contacts, t.n AS interactions,
          (SELECT id FROM users WHERE tenant_id = t.tenant_id AND role = 'ADMIN' LIMIT 1) AS admin, (SELECT id FROM users WHERE tenant_id = t.tenant_id AND role = 'SALES_REP' ORDER BY email LIMIT 1) AS rep
        FROM (SELECT tenant_id, count(*)::int AS n FROM interactions GROUP BY 1 ORDER BY 2 DESC LIMIT 1) t`);
      admin = { tenantId: rows[0].tenant_id, userId: rows[0].admin, role: 'ADMIN' };
      rep = { tenantId: rows[0].tenant_id, userId: rows[0].rep, role: 'SALES_REP' };
      big = rows[0];
    } finally {
      c.release();
    }
  } else {
    const f = await createTenantFixture(core);
    const t0 = performance.now();
    const made = await generateLargeTenant(core, db, f, { now: new Date(), contacts: Number(values.contacts), touches: Number(values.touches) });
    console.log(`generated ${made.contacts} contacts, ${made.interactions} interactions, ${made.conversions} conversions in ${secs(t0)} s`);
    ({ admin, rep, big } = { admin: f.admin, rep: f.rep, big: made });
  }
  // What autovacuum does after a bulk load: statistics, and the visibility map index-only scans need.
  const t1 = performance.now();
  const owner = await databaseOf(db).connect();
  try {
    await owner.query('VACUUM (ANALYZE) contacts, interactions, audit_log');
  } finally {
    owner.release();
  }
  console.log(`VACUUM ANALYZE ${secs(t1)} s`);
  await time(`large tenant (${big.contacts} contacts, ${big.interactions} interactions, ${db.kind})`, admin);
  await time(`large tenant as a sales rep (own book)`, rep);
} finally {
  await db.close();
}
