/**
 * Foundation benchmark: CSV import of N contacts (rows/s, peak RSS), contact-by-id p50/p99 and
 * search p95 through the services, on embedded PGlite and on the PostgreSQL server in one run.
 *
 *   npx tsx evals/src/foundation/bench-foundation.ts [--rows 100000] [--server postgresql://postgres@127.0.0.1:5432/test]
 *     [--only pglite|postgres] [--lanes N] [--batch ROWS]   (import tuning; defaults are the service's)
 *     [--history EVENTS] [--checkpoint]   (the WAL of a tenant with a past: see below)
 *     [--setup-sql FILE] [--import-only]   (A/B of a schema change: see ab-import.ts)
 *
 * `--history N` gives the tenant N dispatched outbox events (random ids, as events were written
 * before they became time-ordered) before the import, so the event-id index is as large as in a
 * tenant that has lived; `--checkpoint` (server) runs CHECKPOINT right before the import, so every
 * run starts where the first touch of each index page is logged as a full-page image.
 * `--setup-sql FILE` runs that SQL as the database owner after the migrations, right before the
 * import (e.g. to undo or try a schema change); `--import-only` skips the look-ups and searches.
 *
 * Prints one JSON object per target (on the server also the WAL the import wrote per row, which
 * does not depend on the machine's load, and the CPU the import cost per 1,000 rows in this process
 * and in the PostgreSQL backends serving it, read from /proc) and a Markdown table for the README.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createCrmCore, createRandom, silentLogger } from '@crm/core';
import { createTenantFixture, openTestDatabase, type TestDbKind } from '@crm/core/testing';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    server: { type: 'string' },
    lookups: { type: 'string', default: '3000' },
    lanes: { type: 'string' },
    batch: { type: 'string' },
    only: { type: 'string' },
    history: { type: 'string', default: '0' },
    checkpoint: { type: 'boolean', default: false },
    'setup-sql': { type: 'string' },
    'import-only': { type: 'boolean', default: false },
  },
});
const ROWS = Number(values.rows);
const SERVER = values.server ?? process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
const HISTORY = Number(values.history);
if (!Number.isInteger(HISTORY) || HISTORY < 0) throw new Error('--history: must be a whole number of events');
const SETUP_SQL = values['setup-sql'] ? fs.readFileSync(values['setup-sql'], 'utf8') : undefined;

const FIRST = ['Ava', 'Liam', 'Noah', 'Emma', 'Mia', 'Lucas', 'Zoe', 'Omar', 'Ines', 'Kai', 'Yuki', 'Ravi', 'Lena', 'Hugo', 'Sara'];
const LAST = ['Smith', 'Garcia', 'Nguyen', 'Khan', 'Muller', 'Rossi', 'Silva', 'Kowalski', 'Tanaka', 'Okafor', 'Dubois', 'Larsen'];
const WORDS = ['Nova', 'Peak', 'Blue', 'Harbor', 'Summit', 'Vertex', 'Lumen', 'Atlas', 'Cedar', 'Orbit', 'Pixel', 'Forge', 'Maple'];
const STAGES = ['lead', 'salesqualifiedlead', 'customer', 'other', 'opportunity'];

const rng = createRandom;

async function writeCsv(file: string, rows: number): Promise<number> {
  const r = rng(7);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const out = fs.createWriteStream(file);
  const write = (s: string) => (out.write(s) ? Promise.resolve() : new Promise<void>((res) => out.once('drain', () => res())));
  await write('First Name,Last Name,Email,Company Name,Job Title,Lifecycle Stage,HubSpot Score,Original Source,Industry\n');
  for (let i = 0; i < rows; i++) {
    const f = pick(FIRST);
    const l = pick(LAST);
    const company = `${pick(WORDS)} ${pick(WORDS)} ${i % 997}`;
    await write(`${f},${l},${f.toLowerCase()}.${l.toLowerCase()}.${i}@${company.toLowerCase().replace(/\s+/g, '')}.example,"${company}",Marketing Manager,${pick(STAGES)},${Math.floor(r() * 100)},Referral,Retail\n`);
  }
  await new Promise<void>((res) => out.end(() => res()));
  return fs.statSync(file).size;
}

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (100 on Linux). */
const TICKS = 100;

/**
 * CPU seconds used so far by each PostgreSQL backend serving `database` (read from /proc: the
 * server runs on this machine). A backend's process title names its database.
 */
function pgBackendTicks(database: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8');
      // `postgres: [CLUSTER: ]USER DATABASE HOST(PORT) STATE` (Debian names the cluster, e.g. `15/main:`)
      const m = /^postgres: (?:\S+: )?\S+ (\S+) /.exec(cmd.replace(/\0+/g, ' '));
      if (m?.[1] !== database) continue;
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(d), Number(f[11]) + Number(f[12]));
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

/** Samples the backends of `database` until stopped; returns their CPU seconds since the start. */
function samplePgCpu(database: string): () => number {
  const first = pgBackendTicks(database);
  const last = new Map(first);
  const tick = () => {
    for (const [pid, t] of pgBackendTicks(database)) last.set(pid, t);
  };
  const timer = setInterval(tick, 250);
  return () => {
    clearInterval(timer);
    tick();
    let sum = 0;
    for (const [pid, t] of last) sum += t - (first.get(pid) ?? 0);
    return sum / TICKS;
  };
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function bench(kind: TestDbKind, file: string) {
  if (kind === 'postgres') process.env.TEST_DATABASE_URL = SERVER;
  const t = await openTestDatabase(kind);
  const core = createCrmCore({ db: t.db, logger: silentLogger() });
  try {
    const f = await createTenantFixture(core);
    if (HISTORY || SETUP_SQL || (values.checkpoint && kind === 'postgres')) {
      const c = await t.db.connect();
      try {
        if (SETUP_SQL) await c.query(SETUP_SQL);
        for (let lo = 0; lo < HISTORY; lo += 100_000) {
          await c.query(
            `INSERT INTO outbox_events (id, tenant_id, type, aggregate_type, aggregate_id, payload, created_at, dispatched_at)
             SELECT gen_random_uuid(), $1, 'contact.created', 'contact', gen_random_uuid(), '{}'::jsonb, now(), now() FROM generate_series(1, $2)`,
            [f.tenantId, Math.min(100_000, HISTORY - lo)],
          );
        }
        if (HISTORY) await c.query('VACUUM ANALYZE outbox_events');
        if (values.checkpoint && kind === 'postgres') await c.query('CHECKPOINT');
      } finally {
        c.release();
      }
    }
    if (global.gc) global.gc();
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25);
    // WAL written by the import (server only): a load-independent measure of its write volume
    const walLsn = async () => {
      if (kind !== 'postgres') return undefined;
      const c = await t.db.connect();
      try {
        return String((await c.query('SELECT pg_current_wal_lsn() AS l')).rows[0].l);
      } finally {
        c.release();
      }
    };
    const lsn0 = await walLsn();
    const dbName =
      kind === 'postgres'
        ? await t.db.withTenant(f.tenantId, async (em) => String((await em.execute<{ d: string }[]>('SELECT current_database() AS d'))[0].d))
        : undefined;
    // CPU of the import: this process (all its threads) and, on the server, the backends serving it
    const stopPg = dbName && fs.existsSync('/proc') ? samplePgCpu(dbName) : undefined;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const report = await core.imports.importContacts(f.admin, fs.createReadStream(file), {
      ...(values.lanes ? { lanes: Number(values.lanes) } : {}),
      ...(values.batch ? { batchSize: Number(values.batch) } : {}),
    });
    const importSec = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const importNodeCpuSec = (cpu.user + cpu.system) / 1e6;
    const importPgCpuSec = stopPg?.();
    clearInterval(sampler);
    let importWalKBPerRow: number | undefined;
    if (lsn0) {
      const c = await t.db.connect();
      try {
        const bytes = Number((await c.query('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1) AS b', [lsn0])).rows[0].b);
        importWalKBPerRow = +(bytes / 1024 / report.rows).toFixed(1);
      } finally {
        c.release();
      }
    }

    const result = {
      target: kind,
      rows: report.rows,
      created: report.created,
      failed: report.failed,
      importSeconds: +importSec.toFixed(2),
      importRowsPerSec: Math.round(report.rows / importSec),
      importPeakRssDeltaMB: Math.round((peak - rssBefore) / 1048576),
      ...(importWalKBPerRow !== undefined ? { importWalKBPerRow } : {}),
      // CPU milliseconds per 1,000 rows: unlike rows/s, barely moved by other work on the machine
      importNodeCpuMsPer1kRows: Math.round((importNodeCpuSec * 1e6) / report.rows),
      ...(importPgCpuSec !== undefined ? { importPgCpuMsPer1kRows: Math.round((importPgCpuSec * 1e6) / report.rows) } : {}),
      ...(HISTORY ? { historyEvents: HISTORY } : {}),
      ...(values.checkpoint ? { checkpointBeforeImport: kind === 'postgres' } : {}),
      ...(values['setup-sql'] ? { setupSql: path.basename(values['setup-sql']) } : {}),
    };
    if (values['import-only']) return result;

    const ids = (await t.db.withTenant(f.tenantId, (em) => em.execute<{ id: string }[]>('SELECT id FROM contacts ORDER BY random() LIMIT 1000'))).map((x) => x.id);
    const lookups = Number(values.lookups);
    for (let i = 0; i < 200; i++) await core.contacts.get(f.manager, ids[i % ids.length]); // warm-up
    const byId: number[] = [];
    for (let i = 0; i < lookups; i++) {
      const s = performance.now();
      await core.contacts.get(f.manager, ids[i % ids.length]);
      byId.push(performance.now() - s);
    }
    byId.sort((a, b) => a - b);
    const r = rng(11);
    const terms = () => {
      const x = r();
      if (x < 0.4) return { search: FIRST[Math.floor(r() * FIRST.length)].toLowerCase().slice(0, 3 + Math.floor(r() * 2)) };
      if (x < 0.7) return { search: `${WORDS[Math.floor(r() * WORDS.length)].toLowerCase()}`, status: 'CUSTOMER' as const };
      return { search: `.${Math.floor(r() * ROWS)}@` };
    };
    for (let i = 0; i < 30; i++) await core.contacts.list(f.manager, terms());
    const search: number[] = [];
    for (let i = 0; i < 300; i++) {
      const s = performance.now();
      await core.contacts.list(f.manager, terms());
      search.push(performance.now() - s);
    }
    search.sort((a, b) => a - b);
    const plan = await t.db.withTenant(f.tenantId, (em) =>
      em.execute<{ 'QUERY PLAN': string }[]>("EXPLAIN SELECT * FROM contacts WHERE search_text LIKE '%nguyen%' ORDER BY created_at DESC LIMIT 20"),
    );
    return {
      ...result,
      getByIdP50ms: +pct(byId, 50).toFixed(3),
      getByIdP99ms: +pct(byId, 99).toFixed(3),
      searchP50ms: +pct(search, 50).toFixed(2),
      searchP95ms: +pct(search, 95).toFixed(2),
      searchPlan: plan.map((p) => p['QUERY PLAN']).join(' | ').slice(0, 300),
    };
  } finally {
    await t.drop();
  }
}

const file = path.join(os.tmpdir(), `crm-bench-${ROWS}.csv`);
const bytes = await writeCsv(file, ROWS);
const results = [];
for (const kind of (values.only ? [values.only] : ['pglite', 'postgres']) as TestDbKind[]) {
  try {
    results.push(await bench(kind, file));
  } catch (err) {
    results.push({ target: kind, error: (err as Error).message });
  }
  console.log(JSON.stringify(results[results.length - 1]));
}
fs.unlinkSync(file);
console.log(`\nCSV: ${ROWS} rows, ${(bytes / 1048576).toFixed(1)} MB · node ${process.version} · ${os.cpus().length} cores\n`);
console.log('| target | import rows/s | import peak RSS Δ | get by id p50 / p99 | search p50 / p95 |');
console.log('|---|---|---|---|---|');
for (const r of results as Record<string, unknown>[]) {
  if (r.error) console.log(`| ${r.target} | error: ${r.error} | | | |`);
  else console.log(`| ${r.target} | ${r.importRowsPerSec} | ${r.importPeakRssDeltaMB} MB | ${r.getByIdP50ms} / ${r.getByIdP99ms} ms | ${r.searchP50ms} / ${r.searchP95ms} ms |`);
}
