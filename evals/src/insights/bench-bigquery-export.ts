/**
 * Throughput of the BigQuery export: the demo tenant exported in full, then an incremental run
 * after 100 contacts changed, through the official client to the local BigQuery REST double (so
 * this measures our side: database reads, encoding, HTTP; not Google's ingestion).
 * Usage: npx tsx evals/src/insights/bench-bigquery-export.ts [--url postgresql://…] [--batch N]
 * Without --url it runs on in-memory PGlite.
 */
import { parseArgs } from 'node:util';
import { createBigQueryExport, createBigQuerySink, createCrmCore, openDatabase, seedDemoTenant, silentLogger } from '@crm/core';
import { startBigQueryDouble, databaseOf } from '@crm/core/testing';

const { values } = parseArgs({ options: { url: { type: 'string' }, batch: { type: 'string', default: '500' } } });
const logger = silentLogger();
const db = await openDatabase({ config: values.url ? { url: values.url, dataDir: 'unused', pglitePort: 0, poolMax: 10 } : { dataDir: 'memory://', pglitePort: 0, poolMax: 10 }, logger });
const core = createCrmCore({ db, logger, knowledge: { indexInteractions: false } });
const bq = await startBigQueryDouble({ datasets: ['bench-project:crm_analytics'] });

try {
  const seeded = await seedDemoTenant(core, {});
  const admin = await core.users.actorByEmail(seeded.users.find((u) => u.role === 'ADMIN')!.email, seeded.slug);
  const exporter = () =>
    createBigQueryExport({ db, sink: createBigQuerySink({ projectId: 'bench-project', dataset: 'crm_analytics', apiEndpoint: bq.url }, { maxRetries: 0 }), lagSeconds: 0, batchSize: Number(values.batch) });

  const t0 = performance.now();
  const full = await exporter().run({ tenantIds: [admin.tenantId] });
  const s0 = (performance.now() - t0) / 1000;
  const rows = full.contacts + full.interactions;
  console.log(`full export (${db.kind}, batch ${values.batch}): ${full.contacts} contacts + ${full.interactions} interactions in ${s0.toFixed(2)} s = ${Math.round(rows / s0)} rows/s, ${bq.requests.length} requests`);

  await databaseOf(db).withTenant(admin.tenantId, (em) => em.execute('UPDATE contacts SET lead_score = least(100, lead_score + 1) WHERE id IN (SELECT id FROM contacts ORDER BY id LIMIT 100)'));
  const t1 = performance.now();
  const inc = await exporter().run({ tenantIds: [admin.tenantId] });
  console.log(`incremental after 100 changed contacts: ${inc.contacts} contacts + ${inc.interactions} interactions in ${((performance.now() - t1) / 1000).toFixed(2)} s`);
  const t2 = performance.now();
  const none = await exporter().run({ tenantIds: [admin.tenantId] });
  console.log(`incremental with nothing changed: ${none.contacts + none.interactions} rows in ${((performance.now() - t2) / 1000).toFixed(2)} s`);
} finally {
  await bq.close();
  await db.close();
}
