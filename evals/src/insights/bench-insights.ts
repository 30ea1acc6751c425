/**
 * Time to compute every insight (and the metrics) for the demo tenant and for a large generated
 * tenant. Usage: npx tsx evals/src/insights/bench-insights.ts [--url postgresql://…] [--scale N]
 * Without --url it runs on in-memory PGlite. --scale multiplies the planted tenant's daily volume
 * (scale 1 ≈ 1,100 contacts / 5,000 interactions per 120 days; the run uses 365 days).
 */
import { parseArgs } from 'node:util';
import { createCrmCore, openDatabase, seedDemoTenant, silentLogger, type Actor } from '@crm/core';
import { createTenantFixture, seedPlantedTenant } from '@crm/core/testing';

const { values } = parseArgs({ options: { url: { type: 'string' }, scale: { type: 'string', default: '20' } } });
const logger = silentLogger();
const db = await openDatabase({ config: values.url ? { url: values.url, dataDir: 'unused', pglitePort: 0, poolMax: 10 } : { dataDir: 'memory://', pglitePort: 0, poolMax: 10 }, logger });
const core = createCrmCore({ db, logger, knowledge: { indexInteractions: false } });

async function time(label: string, actor: Actor): Promise<void> {
  const t0 = performance.now();
  const insights = await core.insights.generate(actor, {});
  const t1 = performance.now();
  const metrics = await core.analytics.metrics(actor, {});
  const t2 = performance.now();
  console.log(`${label}: generate_insights ${((t1 - t0) / 1000).toFixed(2)} s (${insights.insights.length} insights), get_metrics ${((t2 - t1) / 1000).toFixed(2)} s (${metrics.metrics.length} metrics)`);
}

try {
  const seeded = await seedDemoTenant(core, {});
  const admin = await core.users.actorByEmail(seeded.users.find((u) => u.role === 'ADMIN')!.email, seeded.slug);
  const [[demo]] = await db.readAsTenant(admin.tenantId, [{ sql: 'SELECT (SELECT count(*) FROM contacts)::int AS c, (SELECT count(*) FROM interactions)::int AS i' }]);
  await time(`demo tenant (${demo.c} contacts, ${demo.i} interactions, ${db.kind})`, admin);

  const f = await createTenantFixture(core);
  const t0 = performance.now();
  const big = await seedPlantedTenant(core, f, { now: new Date(), days: 365, scale: Number(values.scale) });
  console.log(`generated ${big.contacts} contacts, ${big.interactions} interactions in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  await db.asWorker(async (c) => c.query('ANALYZE contacts; ANALYZE interactions; ANALYZE audit_log'));
  await time(`large tenant (${big.contacts} contacts, ${big.interactions} interactions, ${db.kind})`, f.admin);
} finally {
  await db.close();
}
