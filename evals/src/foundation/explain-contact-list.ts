/**
 * EXPLAIN ANALYZE of the contact list statement (page + capped count in one statement) on N
 * imported contacts: shows whether the count ran (a partial page must say "never executed") and
 * whether the page is an ordered index walk. Then times the service's statement (one round trip,
 * replayed raw) against the previous two-trip form (the page; then, for a full page, its capped
 * count and the planner's estimate), interleaved query by query in one process so that the
 * machine's load hits both alike.
 *
 *   TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test npx tsx evals/src/foundation/explain-contact-list.ts [--rows 100000] [--kind postgres|pglite]
 */
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { createCrmCore, silentLogger } from '@crm/core';
import { createTenantFixture, databaseOf, openTestDatabase, type TestDbKind } from '@crm/core/testing';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '100000' }, kind: { type: 'string', default: 'postgres' }, queries: { type: 'string', default: '600' } } });
const ROWS = Number(values.rows);
const FIRST = ['Ava', 'Liam', 'Noah', 'Emma', 'Mia', 'Lucas', 'Zoe', 'Omar', 'Ines', 'Kai', 'Yuki', 'Ravi', 'Lena', 'Hugo', 'Sara'];
const LAST = ['Smith', 'Garcia', 'Nguyen', 'Khan', 'Muller', 'Rossi', 'Silva', 'Kowalski', 'Tanaka', 'Okafor', 'Dubois', 'Larsen'];
const WORDS = ['Nova', 'Peak', 'Blue', 'Harbor', 'Summit', 'Vertex', 'Lumen', 'Atlas', 'Cedar', 'Orbit', 'Pixel', 'Forge', 'Maple'];

function* csv() {
  yield 'First Name,Last Name,Email,Company Name,Lifecycle Stage\n';
  for (let i = 0; i < ROWS; i++) {
    const f = FIRST[i % FIRST.length];
    const l = LAST[(i * 7) % LAST.length];
    const company = `${WORDS[(i * 3) % WORDS.length]} ${WORDS[(i * 5) % WORDS.length]} ${i % 997}`;
    yield `${f},${l},${f.toLowerCase()}.${l.toLowerCase()}.${i}@${company.toLowerCase().replace(/\s+/g, '')}.example,"${company}",${i % 4 ? 'lead' : 'customer'}\n`;
  }
}

const t = await openTestDatabase(values.kind as TestDbKind);
const core = createCrmCore({ db: t.db, logger: silentLogger() });
try {
  const f = await createTenantFixture(core);
  const report = await core.imports.importContacts(f.admin, Readable.from(csv()));
  console.log(`imported ${report.created} of ${ROWS}`);
  const db = databaseOf(t.db);
  const original = db.readAsTenant.bind(db);
  const cases: [string, Record<string, unknown>][] = [
    ['common term, full first page', { search: 'nguyen' }],
    ['another common term, full page', { search: 'nova' }],
    ['common term + status, full page', { search: 'peak', status: 'CUSTOMER' }],
    ['no filter, full page (past the cap)', {}],
    ['rare term, partial page (count must not run)', { search: `.${Math.floor(ROWS / 2)}@` }],
    ['no match, empty first page', { search: 'zzzz-none' }],
    ['page past the end (empty, counts)', { search: 'nguyen', page: 1000 }],
  ];
  for (const [label, query] of cases) {
    let first: { sql: string; params?: readonly unknown[] } | undefined;
    db.readAsTenant = async (tenantId, statements) => {
      first ??= statements[0];
      return original(tenantId, statements);
    };
    const page = await core.contacts.list(f.manager, query);
    db.readAsTenant = original;
    const [plan] = await original(f.tenantId, [{ sql: `EXPLAIN (ANALYZE, COSTS OFF) ${first!.sql}`, params: first!.params as never }]);
    console.log(`\n### ${label}: ${JSON.stringify(query)} → ${page.data.length} rows, totalCount ${page.totalCount} (exact: ${page.totalCountExact})`);
    console.log(plan.map((r) => r['QUERY PLAN']).join('\n'));
  }

  // the previous form, as it was in contact.service.ts (default sort: created_at desc, limit 20)
  const twoTrips = async (query: { search: string; status?: string }) => {
    const where = ['search_text LIKE $1', ...(query.status ? ['status = $2'] : [])].join(' AND ');
    const params = [`%${query.search}%`, ...(query.status ? [query.status] : [])];
    const [rows] = await original(f.tenantId, [{ sql: `SELECT * FROM contacts WHERE ${where} ORDER BY created_at desc, id desc LIMIT 20 OFFSET 0`, params }]);
    if (rows.length < 20) return 1;
    await original(f.tenantId, [
      { sql: `SELECT count(*) AS n FROM (SELECT 1 FROM contacts WHERE ${where} LIMIT 10001) capped`, params },
      { sql: `EXPLAIN (FORMAT JSON) SELECT 1 FROM contacts WHERE ${where}`, params },
    ]);
    return 2;
  };
  let seed = 11;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  // the search mix of bench-foundation.ts: first-name prefixes, a company word of customers, one e-mail
  const term = () => {
    const x = rand();
    if (x < 0.4) return { search: FIRST[Math.floor(rand() * FIRST.length)].toLowerCase().slice(0, 3 + Math.floor(rand() * 2)) };
    if (x < 0.7) return { search: WORDS[Math.floor(rand() * WORDS.length)].toLowerCase(), status: 'CUSTOMER' };
    return { search: `.${Math.floor(rand() * ROWS)}@` };
  };
  // by whether the page was full (counted) or not (its own count), for each form
  const times = { one: { full: [] as number[], partial: [] as number[] }, two: { full: [] as number[], partial: [] as number[] } };
  const N = Number(values.queries);
  for (let i = 0; i < N + 30; i++) {
    const q = term();
    const took: Partial<Record<'one' | 'two', number>> = {};
    let trips = 0;
    // alternate which form goes first, so neither always finds the other's pages cached
    // the service's own statements for this query, replayed raw so that neither form carries the
    // service's mapping and validation
    let sent: Parameters<typeof original>[1] = [];
    db.readAsTenant = async (tenantId, statements) => {
      sent = statements;
      return original(tenantId, statements);
    };
    await core.contacts.list(f.manager, q);
    db.readAsTenant = original;
    for (const form of i % 2 ? (['one', 'two'] as const) : (['two', 'one'] as const)) {
      const s = performance.now();
      if (form === 'one') await original(f.tenantId, sent);
      else trips = await twoTrips(q);
      took[form] = performance.now() - s;
    }
    if (i < 30) continue; // warm-up
    for (const form of ['one', 'two'] as const) times[form][trips === 2 ? 'full' : 'partial'].push(took[form]!);
  }
  const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))].toFixed(2);
  console.log(`\n${N} searches each, interleaved (bench-foundation's mix; default sort, 20 a page):`);
  for (const kind of ['full', 'partial'] as const) {
    console.log(`  ${kind} pages (${times.one[kind].length}):`);
    for (const form of ['two', 'one'] as const) {
      const xs = times[form][kind];
      console.log(`    ${form === 'one' ? 'one statement, one trip    ' : 'page, then count (2 trips) '} p50 ${pct(xs, 50)} ms  p95 ${pct(xs, 95)} ms`);
    }
  }
} finally {
  await t.drop();
}
