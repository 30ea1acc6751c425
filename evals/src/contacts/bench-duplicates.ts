/**
 * Duplicate-detection benchmark (issue 9): one tenant with ~100k generated contacts, planted
 * duplicate pairs of the kinds `findDuplicates` claims to find, a few kinds it does not claim, and
 * near-misses that are NOT duplicates. Reports latency (p50/p95) of the whole-tenant scan and of the
 * per-contact lookup, and precision/recall against the planted truth.
 *
 *   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test npx tsx evals/src/contacts/bench-duplicates.ts [--contacts 100000] [--runs 7]
 *   npx tsx evals/src/contacts/bench-duplicates.ts --contacts 20000          # PGlite when DATABASE_URL is unset
 *   npx tsx evals/src/contacts/bench-duplicates.ts --planted names           # the name tiers at work (see below)
 *
 * `--planted claimed` (default): 1,000 pairs of the three claimed kinds in equal parts, 300 of the
 * formerly unclaimed kinds; the shared phone/e-mail pairs (~970) fill any limit, so the whole-tenant
 * scan never reaches its name tiers. `--planted names`: 1,000 pairs of which only 100 share a phone
 * or an e-mail name and 900 share only the name and company, so a scan with limit 200 runs both
 * name tiers (name + company, then name only) over the whole name index.
 *
 * The data is set-based SQL (generate_series) with deterministic ids, so the truth is computed here
 * without reading anything back. Distinct people share names (80 first names x 1,000 last names)
 * and ~0.5% use role addresses (sales@, office@ ...) as real B2B data does: those are the honest
 * sources of false candidates.
 */
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { DUPLICATE_BLOCK_CAP as BLOCK_CAP, createCrmCore, silentLogger, type Database } from '@crm/core';
import { createTenantFixture, openTestDatabase, databaseOf } from '@crm/core/testing';
import { createServerByName } from '@crm/mcp-servers';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';

const { values } = parseArgs({
  options: {
    contacts: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '7' },
    lookups: { type: 'string', default: '200' },
    'near-miss-checks': { type: 'string', default: '50' },
    planted: { type: 'string', default: 'claimed' },
    // seed, print the database URL and tenant id, and keep the database (for EXPLAIN); no timings
    keep: { type: 'boolean', default: false },
  },
});
const TOTAL = Number(values.contacts);
const RUNS = Number(values.runs);
const PLANTED = values.planted;
if (PLANTED !== 'claimed' && PLANTED !== 'names') throw new Error('--planted: must be "claimed" or "names"');
const CLAIMED = 1000; // planted pairs of the kinds the detector claims
const UNCLAIMED = PLANTED === 'names' ? 0 : 300; // planted pairs of formerly unclaimed kinds (reported separately)
const NEAR_MISSES = 1000;
const BASE = TOTAL - CLAIMED - UNCLAIMED - NEAR_MISSES;
// a multiple of 10, so originals (i ≡ 1 mod 10) and near-miss partners (i ≡ 3) always have a phone
// (none when i ≡ 0 mod 10) and a personal email (role address when i ≡ 7 mod 200)
const STRIDE = Math.floor(BASE / (CLAIMED + UNCLAIMED + 1) / 10) * 10;
if (!Number.isInteger(TOTAL) || TOTAL < 20_000) throw new Error('--contacts: must be an integer of at least 20000');
if (!Number.isInteger(RUNS) || RUNS < 2) throw new Error('--runs: must be an integer of at least 2');

const FIRST = [
  'Ava', 'Liam', 'Noah', 'Emma', 'Mia', 'Lucas', 'Zoe', 'Omar', 'Ines', 'Kai', 'Yuki', 'Ravi', 'Lena', 'Hugo', 'Sara', 'Theo',
  'Nina', 'James', 'Olivia', 'Mateo', 'Sofia', 'Ethan', 'Chloe', 'Leon', 'Amara', 'Felix', 'Hana', 'Jonas', 'Priya', 'Diego',
  'Elena', 'Samuel', 'Aisha', 'Daniel', 'Clara', 'Tomas', 'Lara', 'Ibrahim', 'Maya', 'Oscar', 'Julia', 'Arjun', 'Marta', 'Victor',
  'Freya', 'Adam', 'Lucia', 'Kenji', 'Anna', 'Pedro', 'Eva', 'Malik', 'Ida', 'Pablo', 'Alice', 'Henrik', 'Rosa', 'Sven', 'Leila',
  'Marco', 'Greta', 'Yusuf', 'Nora', 'Andre', 'Lina', 'Carlos', 'Mila', 'David', 'Emil', 'Fatima', 'Paul', 'Ruth', 'Ali', 'Irene',
  'Bruno', 'Sophie', 'Ahmed', 'Laura', 'Nils', 'Vera',
];
const LAST_A = ['And', 'Bar', 'Cal', 'Dun', 'Eck', 'Fair', 'Gold', 'Hart', 'Ing', 'Jan', 'Kell', 'Lind', 'Mar', 'Nor', 'Ost', 'Pen', 'Quin', 'Ros', 'Stan', 'Thorn', 'Ul', 'Van', 'Wal', 'Yar', 'Zell', 'Berg', 'Crane', 'Dal', 'Elm', 'Frost', 'Gar', 'Hol', 'Kirk', 'Lang', 'Mont', 'Ness', 'Pratt', 'Ridge', 'Sand', 'Whit'];
const LAST_B = ['erson', 'ley', 'ton', 'field', 'man', 'ford', 'stein', 'wood', 'ström', 'ini', 'ez', 'ski', 'ova', 'berg', 'hart', 'mann', 'ridge', 'well', 'by', 'ham', 'sen', 'ard', 'ello', 'ich', 'oux'];
const LAST = LAST_A.flatMap((a) => LAST_B.map((b) => a + b)); // 1,000 last names
const CO_A = ['North', 'Blue', 'Iron', 'Silver', 'Bright', 'Green', 'Rapid', 'Clear', 'Summit', 'Harbor', 'Atlas', 'Nova', 'Cedar', 'Pioneer', 'Vertex', 'Orbit', 'Granite', 'Maple', 'Crystal', 'Falcon', 'Solar', 'Coastal', 'Prime', 'United', 'Alpine', 'Delta', 'Echo', 'Lumen', 'Metro', 'Quantum', 'River', 'Stone', 'Tidal', 'Urban', 'Vivid', 'Willow', 'Zenith', 'Amber', 'Beacon', 'Crest', 'Dune', 'Ember', 'Fjord', 'Golden', 'Horizon', 'Indigo', 'Juniper', 'Keystone', 'Lake', 'Meridian'];
const CO_B = ['Logistics', 'Analytics', 'Foods', 'Robotics', 'Energy', 'Health', 'Media', 'Systems', 'Capital', 'Labs', 'Retail', 'Mobility', 'Textiles', 'Software', 'Pharma', 'Builders', 'Consulting', 'Telecom', 'Aviation', 'Insurance'];
const CO_C = ['Inc', 'GmbH', 'Ltd', 'LLC', 'SA'];
const COMPANY = CO_A.flatMap((a) => CO_B.flatMap((b) => CO_C.map((c) => `${a} ${b} ${c}`))); // 5,000 companies
const ROLE = ['sales', 'office', 'contact', 'hello', 'support'];

/** The same deterministic UUID (version 4 / variant 8 bits set, so it passes z.uuid()) in SQL and here. */
const uidSql = (tag: string, n: string) => `(overlay(overlay(md5('${tag}' || ${n}) placing '4' from 13) placing '8' from 17))::uuid`;
function uid(tag: string, n: number): string {
  const h = createHash('md5').update(`${tag}${n}`).digest('hex');
  const s = `${h.slice(0, 12)}4${h.slice(13, 16)}8${h.slice(17)}`;
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

// Attributes of base contact `i` (an SQL expression), shared by the base insert and the planted rows.
const pick = (arr: string, salt: string, i: string) => `(${arr})[1 + abs(hashtext('${salt}' || ${i})) % cardinality(${arr})]`;
const F = (i: string) => pick('$1::text[]', 'f', i);
const L = (i: string) => pick('$2::text[]', 'l', i);
const C = (i: string) => pick('$3::text[]', 'c', i);
const DOMAIN = (c: string) => `lower(replace(${c}, ' ', '')) || '.example'`;
const LOCAL = (i: string) => `lower(${F(i)}) || '.' || lower(${L(i)}) || ${i}`;
const DIGITS = (i: string) => `(2012000000 + ${i} * 7)::text`; // 10 digits, unique per i
const PHONE = (d: string) => `'+1 ' || substr(${d}, 1, 3) || ' ' || substr(${d}, 4, 3) || ' ' || substr(${d}, 7, 4)`;

type Kind = 'email at another domain' | 'phone reformatted' | 'same name + company, new email' | 'email without dots (not claimed)' | 'phone without country code (not claimed)';
const KINDS: Kind[] = ['email at another domain', 'phone reformatted', 'same name + company, new email', 'email without dots (not claimed)', 'phone without country code (not claimed)'];
/** Index into KINDS of planted pair k; the same rule as KIND_SQL. */
function kindIndex(k: number): number {
  if (PLANTED === 'names') return k % 20 === 0 ? 0 : k % 20 === 1 ? 1 : 2;
  return k < CLAIMED ? k % 3 : 3 + (k % 2);
}
const kindOf = (k: number): Kind => KINDS[kindIndex(k)];
const KIND_SQL =
  PLANTED === 'names' ? 'CASE k % 20 WHEN 0 THEN 0 WHEN 1 THEN 1 ELSE 2 END' : `CASE WHEN k < ${CLAIMED} THEN k % 3 ELSE 3 + k % 2 END`;
const origOf = (k: number) => 1 + STRIDE * k;
const nearOrigOf = (m: number) => 3 + STRIDE * m;

async function seed(db: Database, tenantId: string): Promise<void> {
  const c = await databaseOf(db).connect();
  try {
    const params = [FIRST, LAST, COMPANY, tenantId];
    // base: distinct people (names may collide, as they do in real data); ~10% without phone; ~0.5% role addresses
    // in chunks of 10k rows: shorter statements on PGlite
    for (let lo = 1; lo <= BASE; lo += 10_000) {
      await c.query(
        `INSERT INTO contacts (id, tenant_id, first_name, last_name, email, phone, company, source)
         SELECT ${uidSql('b', 'i')}, $4, ${F('i')}, ${L('i')},
                CASE WHEN i % 200 = 7 THEN ($5::text[])[1 + (i / 200) % 5] || '@' || ${DOMAIN(C('i'))} ELSE ${LOCAL('i')} || '@' || ${DOMAIN(C('i'))} END,
                CASE WHEN i % 10 = 0 THEN NULL ELSE ${PHONE(DIGITS('i'))} END, ${C('i')}, 'bench'
         FROM generate_series(${lo}, ${Math.min(BASE, lo + 9_999)}) AS i
         ON CONFLICT (tenant_id, email) DO NOTHING`,
        [...params, ROLE],
      );
    }
    // planted duplicates of base contact o = 1 + STRIDE*k; each kind is caught by exactly one blocking rule (or none, for the unclaimed kinds)
    const o = `(1 + ${STRIDE} * k)`;
    const initial = `left(${F(o)}, 1) || '.'`;
    // kd: the kind's index in KINDS (KIND_SQL, the same rule as kindOf)
    await c.query(
      `INSERT INTO contacts (id, tenant_id, first_name, last_name, email, phone, company, source)
       SELECT ${uidSql('d', 'k')}, $4,
              CASE WHEN kd = 2 THEN upper(${F(o)}) ELSE ${initial} END,
              ${L(o)},
              CASE kd WHEN 0 THEN ${LOCAL(o)} || '@gmail.example'
                      WHEN 1 THEN lower(left(${F(o)}, 1)) || lower(${L(o)}) || '.p' || k || '@mail.example'
                      WHEN 2 THEN lower(left(${F(o)}, 1)) || lower(${L(o)}) || '.n' || k || '@outlook.example'
                      WHEN 3 THEN lower(${F(o)}) || lower(${L(o)}) || ${o} || '@gmail.example'
                      ELSE lower(left(${F(o)}, 1)) || lower(${L(o)}) || '.c' || k || '@mail.example' END,
              CASE kd WHEN 1 THEN '1-' || substr(${DIGITS(o)}, 1, 3) || '-' || substr(${DIGITS(o)}, 4, 3) || '-' || substr(${DIGITS(o)}, 7, 4)
                      WHEN 4 THEN '(' || substr(${DIGITS(o)}, 1, 3) || ') ' || substr(${DIGITS(o)}, 4, 3) || '-' || substr(${DIGITS(o)}, 7, 4)
                      ELSE NULL END,
              CASE WHEN kd = 0 THEN NULL ELSE ${C(o)} END, 'bench'
       FROM (SELECT k, ${KIND_SQL} AS kd FROM generate_series(0, ${CLAIMED + UNCLAIMED - 1}) AS k) p`,
      params,
    );
    // near-misses of base contact j = 3 + STRIDE*m: the same first name only, or the same company and another person
    const j = `(3 + ${STRIDE} * m)`;
    const nf = `CASE WHEN m % 2 = 0 THEN ${F(j)} ELSE ${F(`(m + 7777777)`)} END`;
    const nl = L(`(m + 8888888)`);
    await c.query(
      `INSERT INTO contacts (id, tenant_id, first_name, last_name, email, phone, company, source)
       SELECT ${uidSql('n', 'm')}, $4, ${nf}, ${nl},
              lower(${nf}) || '.' || lower(${nl}) || '.m' || m || '@' || ${DOMAIN(`CASE WHEN m % 2 = 1 THEN ${C(j)} ELSE ${C('(m + 9999999)')} END`)},
              ${PHONE(`(3012000000 + m * 11)::text`)},
              CASE WHEN m % 2 = 1 THEN ${C(j)} ELSE ${C('(m + 9999999)')} END, 'bench'
       FROM generate_series(0, ${NEAR_MISSES - 1}) AS m`,
      params,
    );
    // autovacuum reaches this state within a minute of a bulk load; the detector's covering indexes
    // are read without visiting the table only on all-visible pages
    await c.query('VACUUM ANALYZE contacts');
  } finally {
    c.release();
  }
}

/**
 * Every candidate pair the blocking rules produce over the whole tenant (the detector's blocks without
 * its ranking and LIMIT, which the API caps at 200): recall of the rules over all planted pairs.
 */
async function candidatePairs(db: Database, tenantId: string): Promise<Set<string>> {
  const c = await databaseOf(db).connect();
  try {
    // the detector's stored keys (migration 0270); a key shared by more contacts than its cap is no block
    const block = (k: string, cap: number) =>
      `SELECT a.id AS a, b.id AS b FROM (SELECT dup_${k} AS k FROM contacts WHERE tenant_id = $1 AND dup_${k} IS NOT NULL GROUP BY 1 HAVING count(*) BETWEEN 2 AND ${cap}) g
       JOIN contacts a ON a.tenant_id = $1 AND a.dup_${k} = g.k JOIN contacts b ON b.tenant_id = $1 AND b.dup_${k} = g.k AND a.id < b.id`;
    const r = await c.query<{ a: string; b: string }>(
      `SELECT a, b FROM (${block('name', BLOCK_CAP.name)} UNION ${block('phone', BLOCK_CAP.phone)} UNION ${block('email', BLOCK_CAP.email)}) p`,
      [tenantId],
    );
    return new Set(r.rows.map((x) => key(x.a, x.b)));
  } finally {
    c.release();
  }
}

const key = (x: string, y: string) => (x < y ? `${x},${y}` : `${y},${x}`);
function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}
const ms = (x: number) => `${x.toFixed(x < 10 ? 1 : 0)} ms`;

async function main() {
  const serverUrl = process.env.DATABASE_URL;
  const kind = serverUrl ? 'postgres' : 'pglite';
  // seeding 100k rows into PGlite on a loaded machine outlasts the default 35 s client query timeout;
  // the timed calls run under the same statement timeout as the app's (30 s)
  const timeouts = { queryTimeoutMs: 900_000 };
  const t = await openTestDatabase(kind, [], serverUrl ? { serverUrl, timeouts } : { timeouts });
  const core = createCrmCore({ db: t.db, logger: silentLogger(), knowledge: { indexInteractions: false } });
  try {
    const f = await createTenantFixture(core);
    let t0 = performance.now();
    await seed(t.db, f.tenantId);
    const seedSeconds = (performance.now() - t0) / 1000;
    const count = Number((await databaseOf(t.db).connect().then(async (c) => {
      try {
        return (await c.query<{ n: string }>('SELECT count(*) AS n FROM contacts WHERE tenant_id = $1', [f.tenantId])).rows[0].n;
      } finally {
        c.release();
      }
    })));
    console.error(`${kind}: ${count} contacts seeded in ${seedSeconds.toFixed(1)} s`);
    if (values.keep) {
      console.log(`kept: ${t.db.url} tenant ${f.tenantId}`);
      return;
    }

    const truth = new Map<string, Kind>();
    for (let k = 0; k < CLAIMED + UNCLAIMED; k++) truth.set(key(uid('b', origOf(k)), uid('d', k)), kindOf(k));
    const nearMiss = new Set<string>();
    for (let m = 0; m < NEAR_MISSES; m++) nearMiss.add(key(uid('b', nearOrigOf(m)), uid('n', m)));

    // the longest single tenant transaction during the scans: on PGlite, how long one scan step
    // holds the embedded database from every other request
    const raw = databaseOf(t.db);
    const withTenant = raw.withTenant.bind(raw);
    let longestTx = 0;
    let longestSql = '';
    let txCount = 0;
    raw.withTenant = (async (tenantId: string, fn: Parameters<typeof withTenant>[1]) => {
      const start = performance.now();
      let first = '';
      try {
        // the transaction's first statement names the step that held the database longest
        return await withTenant(tenantId, (em) =>
          fn(new Proxy(em, { get: (o, p, recv) => (p === 'execute' ? (sql: string, ...rest: unknown[]) => ((first ||= sql), (o.execute as (...a: unknown[]) => unknown)(sql, ...rest)) : Reflect.get(o, p, recv)) })),
        );
      } finally {
        const took = performance.now() - start;
        if (took > longestTx) [longestTx, longestSql] = [took, first.replace(/\s+/g, ' ').slice(0, 90)];
        if (process.env.BENCH_TX_LOG && took > Number(process.env.BENCH_TX_LOG)) console.error(`tx ${took.toFixed(0)} ms: ${first.replace(/\s+/g, ' ').slice(0, 120)}`);
        txCount++;
      }
    }) as typeof raw.withTenant;
    // whole-tenant scan, as the manager (one warm-up call, then RUNS timed calls per limit)
    const scan: Record<number, number[]> = { 50: [], 200: [] };
    // per limit: the longest transaction of any scan and the transactions of one scan
    const steps: Record<number, { longest: number; sql: string; txs: number }> = {};
    let top200: Awaited<ReturnType<typeof core.merge.findDuplicates>> = [];
    for (const limit of [50, 200]) {
      await core.merge.findDuplicates(f.manager, { limit });
      longestTx = 0;
      txCount = 0;
      for (let r = 0; r < RUNS; r++) {
        t0 = performance.now();
        const pairs = await core.merge.findDuplicates(f.manager, { limit });
        scan[limit].push(performance.now() - t0);
        if (limit === 200) top200 = pairs;
      }
      steps[limit] = { longest: longestTx, sql: longestSql, txs: txCount / RUNS };
    }
    const stepsOf = (limit: number) => `longest single transaction ${ms(steps[limit].longest)} (${steps[limit].txs} per scan)`;
    console.error(`scan: limit 50 p50 ${ms(pct(scan[50], 50))}, ${stepsOf(50)}; limit 200 p50 ${ms(pct(scan[200], 50))}, ${stepsOf(200)}`);
    for (const limit of [50, 200]) console.error(`  limit ${limit}: the longest transaction began with: ${steps[limit].sql}`);
    raw.withTenant = withTenant;
    const top200True = top200.filter((p) => truth.has(key(p.a.id, p.b.id))).length;
    const top200Near = top200.filter((p) => nearMiss.has(key(p.a.id, p.b.id))).length;
    // pairs that only the name tiers can find (no shared phone or e-mail name)
    const nameOnly = (p: (typeof top200)[number]) => !p.reasons.includes('same phone') && !p.reasons.includes('same email name at another domain');
    const top200NameOnly = top200.filter(nameOnly);
    const top200NameOnlyTrue = top200NameOnly.filter((p) => truth.has(key(p.a.id, p.b.id))).length;

    // the same through the in-process MCP client (crm-data server, manager actor)
    const server = createServerByName('crm-data', { core, actor: f.manager });
    const client = new Client({ name: 'bench-duplicates', version: '1.0.0' });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
    const mcp: number[] = [];
    let mcpPairs = 0;
    for (let r = 0; r < Math.min(RUNS, 3); r++) {
      t0 = performance.now();
      const res = await client.callTool({ name: 'find_duplicate_contacts', arguments: { limit: 200 } });
      mcp.push(performance.now() - t0);
      if (res.isError) throw new Error(`find_duplicate_contacts failed: ${JSON.stringify(res.content)}`);
      mcpPairs = (res.structuredContent as { pairs: unknown[] }).pairs.length;
    }
    await client.close();
    await server.close();

    // per-contact lookup: recall per kind, and precision of what a user sees for one contact
    const perContact: number[] = [];
    const found = new Map<Kind, number>(KINDS.map((k) => [k, 0]));
    const planted = new Map<Kind, number>(KINDS.map((k) => [k, 0]));
    let shownClaimedLookups = 0;
    let shownClaimedTrue = 0;
    let claimedRankedFirst = 0;
    const lookups = Math.min(CLAIMED + UNCLAIMED, Number(values.lookups));
    for (let s = 0; s < lookups; s++) {
      const k = Math.floor((s * (CLAIMED + UNCLAIMED)) / lookups);
      const a = uid('b', origOf(k));
      const kd = kindOf(k);
      t0 = performance.now();
      const pairs = await core.merge.findDuplicates(f.manager, { contactId: a, limit: 200 });
      perContact.push(performance.now() - t0);
      planted.set(kd, planted.get(kd)! + 1);
      if (pairs.some((p) => key(p.a.id, p.b.id) === key(a, uid('d', k)))) found.set(kd, found.get(kd)! + 1);
      if (k < CLAIMED) {
        shownClaimedLookups += pairs.length;
        shownClaimedTrue += pairs.filter((p) => truth.has(key(p.a.id, p.b.id))).length;
        if (pairs.length && key(pairs[0].a.id, pairs[0].b.id) === key(a, uid('d', k))) claimedRankedFirst++;
      }
    }
    const nearChecks = Math.min(NEAR_MISSES, Number(values['near-miss-checks']));
    let nearReported = 0;
    for (let m = 0; m < nearChecks; m++) {
      const pairs = await core.merge.findDuplicates(f.manager, { contactId: uid('n', m), limit: 200 });
      if (pairs.some((p) => nearMiss.has(key(p.a.id, p.b.id)))) nearReported++;
    }

    console.error(`per-contact lookups done: ${perContact.length}, p50 ${ms(pct(perContact, 50))}`);
    t0 = performance.now();
    const candidates = await candidatePairs(t.db, f.tenantId);
    const candidateMs = performance.now() - t0;
    const rulesFound = new Map<Kind, number>(KINDS.map((k) => [k, 0]));
    const rulesPlanted = new Map<Kind, number>(KINDS.map((k) => [k, 0]));
    for (const [pair, kd] of truth) {
      rulesPlanted.set(kd, rulesPlanted.get(kd)! + 1);
      if (candidates.has(pair)) rulesFound.set(kd, rulesFound.get(kd)! + 1);
    }
    const claimedFound = KINDS.slice(0, 3).reduce((s, k) => s + rulesFound.get(k)!, 0);
    const claimedSampled = KINDS.slice(0, 3).reduce((s, k) => s + planted.get(k)!, 0);
    const claimedSampledFound = KINDS.slice(0, 3).reduce((s, k) => s + found.get(k)!, 0);
    const nearInCandidates = [...nearMiss].filter((p) => candidates.has(p)).length;

    const out: string[] = [];
    out.push(`\n${kind}, ${count} contacts, --planted ${PLANTED} (${CLAIMED} planted pairs of claimed kinds, ${UNCLAIMED} of unclaimed kinds, ${NEAR_MISSES} near-misses); seeded in ${seedSeconds.toFixed(1)} s`);
    out.push('\n| call | p50 | p95 | runs |\n|---|---|---|---|');
    out.push(`| findDuplicates, whole tenant, limit 50 (${stepsOf(50)}) | ${ms(pct(scan[50], 50))} | ${ms(pct(scan[50], 95))} | ${RUNS} |`);
    out.push(`| findDuplicates, whole tenant, limit 200 (${stepsOf(200)}) | ${ms(pct(scan[200], 50))} | ${ms(pct(scan[200], 95))} | ${RUNS} |`);
    out.push(`| find_duplicate_contacts (MCP in-process), limit 200 | ${ms(pct(mcp, 50))} | ${ms(pct(mcp, 95))} | ${mcp.length} (${mcpPairs} pairs) |`);
    out.push(`| findDuplicates, one contact (contactId) | ${ms(pct(perContact, 50))} | ${ms(pct(perContact, 95))} | ${perContact.length} |`);
    out.push(`| all candidate pairs of the blocking rules, no limit (bench SQL, not the API) | ${ms(candidateMs)} | – | 1 (${candidates.size} pairs) |`);
    out.push('\n| planted kind | pairs | recall of the rules (all pairs) | recall of findDuplicates(contactId) (sample) |\n|---|---|---|---|');
    const r = (a: number, b: number) => (b ? `${(a / b).toFixed(3)} (${a}/${b})` : '–');
    for (const kd of KINDS) out.push(`| ${kd} | ${rulesPlanted.get(kd)} | ${r(rulesFound.get(kd)!, rulesPlanted.get(kd)!)} | ${r(found.get(kd)!, planted.get(kd)!)} |`);
    out.push(`| **all claimed kinds** | ${CLAIMED} | **${r(claimedFound, CLAIMED)}** | **${r(claimedSampledFound, claimedSampled)}** |`);
    out.push('\n| precision | value |\n|---|---|');
    out.push(`| whole-tenant top 200: planted pairs | ${top200True}/${top200.length} = ${(top200True / Math.max(1, top200.length)).toFixed(3)} |`);
    out.push(`| whole-tenant top 200: pairs sharing no phone or e-mail name (found by the name tiers): planted | ${top200NameOnlyTrue}/${top200NameOnly.length} = ${(top200NameOnlyTrue / Math.max(1, top200NameOnly.length)).toFixed(3)} |`);
    out.push(`| per-contact lookups of claimed originals: planted among pairs shown | ${shownClaimedTrue}/${shownClaimedLookups} = ${(shownClaimedTrue / Math.max(1, shownClaimedLookups)).toFixed(3)} |`);
    out.push(`| per-contact lookups of claimed originals: the planted pair ranked first | ${claimedRankedFirst}/${claimedSampled} = ${(claimedRankedFirst / Math.max(1, claimedSampled)).toFixed(3)} |`);
    out.push(`| all candidate pairs of the blocking rules (no limit): planted (claimed) / candidates | ${claimedFound}/${candidates.size} = ${(claimedFound / Math.max(1, candidates.size)).toFixed(3)} |`);
    out.push(`| near-misses among all candidates | ${nearInCandidates}/${NEAR_MISSES}; per-contact lookup reported ${nearReported}/${nearChecks}; whole-tenant top 200: ${top200Near} |`);
    console.log(out.join('\n'));
  } finally {
    await core.outbox.stop();
    if (values.keep) await t.db.close();
    else await t.drop();
  }
}

await main();
