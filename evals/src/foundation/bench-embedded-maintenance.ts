/**
 * What the embedded database's maintenance pass (PGlite has no autovacuum) is worth, and how long it
 * holds the database: the demo tenant on PGlite, contact list and search latency fresh, after
 * `--rounds` rescoring rounds (every contact's score rewritten, as the daily rescoring agent may do),
 * and after one pass of `startEmbeddedMaintenance` (what `crm start` runs every
 * PGLITE_MAINTENANCE_MINUTES); prints the pass's total and its longest single step.
 *   npx tsx evals/src/foundation/bench-embedded-maintenance.ts [--rounds 30] [--knowledge]
 * --knowledge also loads the demo knowledge base and indexes the interactions (~20k chunks and
 * vectors: the largest tables of a first start, so the longest VACUUM/ANALYZE steps).
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { createCrmCore, seedDemoTenant, silentLogger, startEmbeddedMaintenance } from '@crm/core';
import { databaseOf, openTestDatabase } from '@crm/core/testing';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '30' }, knowledge: { type: 'boolean', default: false }, requests: { type: 'string', default: '200' } } });
const ROUNDS = Number(values.rounds);
const REQUESTS = Number(values.requests);

const t = await openTestDatabase('pglite');
const db = databaseOf(t.db);
const core = createCrmCore({ db: t.db, logger: silentLogger() });
const owner = async (sql: string) => {
  const c = await db.connect();
  try {
    return (await c.query(sql)).rows;
  } finally {
    c.release();
  }
};
try {
  const seeded = await seedDemoTenant(core, { knowledge: values.knowledge });
  const admin = await core.users.actorByEmail(seeded.users.find((u) => u.role === 'ADMIN')!.email, seeded.slug);
  const pct = (xs: number[], p: number) => xs.sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
  const measure = async () => {
    const list: number[] = [];
    const search: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      let s = performance.now();
      await core.contacts.list(admin, { limit: 20, page: 1 + (i % 5) });
      list.push(performance.now() - s);
      s = performance.now();
      await core.contacts.list(admin, { search: ['an', 'son', 'ma', 'li', 'er'][i % 5], limit: 20 });
      search.push(performance.now() - s);
    }
    const contactPages = Number((await owner("SELECT pg_relation_size('contacts') / 8192 AS p"))[0].p);
    return { listP50: +pct(list, 50).toFixed(2), listP95: +pct(list, 95).toFixed(2), searchP50: +pct(search, 50).toFixed(2), searchP95: +pct(search, 95).toFixed(2), contactPages };
  };
  const rows: Record<string, unknown>[] = [];
  rows.push({ state: 'fresh demo tenant', ...(await measure()) });
  for (let r = 0; r < ROUNDS; r++) await owner('UPDATE contacts SET lead_score = 100 - lead_score');
  rows.push({ state: `after ${ROUNDS} rescoring rounds`, ...(await measure()) });
  const m = startEmbeddedMaintenance(t.db, silentLogger(), { intervalMs: 86_400_000 });
  const first = await m.runOnce();
  rows.push({ state: 'after one maintenance pass', ...(await measure()) });
  const second = await m.runOnce();
  await m.stop();
  console.log(`\nPGlite, demo tenant (${values.knowledge ? 'with' : 'without'} the knowledge base) · ${REQUESTS} pages each · load ${os.loadavg()[0].toFixed(1)}\n`);
  console.log('| state | list p50 / p95 ms | search p50 / p95 ms | contacts pages |');
  console.log('|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.state} | ${r.listP50} / ${r.listP95} | ${r.searchP50} / ${r.searchP95} | ${r.contactPages} |`);
  const show = (p: typeof first) => `${p.tables} tables, ${p.analyzed} analysed, ${p.totalMs} ms in all, longest step ${p.longest?.ms} ms (${p.longest?.op} ${p.longest?.table})`;
  console.log(`\nfirst pass: ${show(first)}\nsecond pass (nothing changed): ${show(second)}`);
  const top = [...first.steps].sort((a, b) => b.ms - a.ms).slice(0, 6);
  console.log(`first pass, longest statements: ${top.map((s) => `${s.op} ${s.table} ${s.ms.toFixed(0)} ms`).join(', ')}`);
} finally {
  await t.drop();
}
