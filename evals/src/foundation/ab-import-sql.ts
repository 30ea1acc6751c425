/**
 * A/B of the import's per-row work inside PostgreSQL alone (no Node parsing, no pool): for each run
 * a fresh database with the current migrations, a variant's SQL run as the owner, then N statements
 * shaped like the import's upsert (1,000 new contacts + their audit rows + outbox events in one
 * statement, time-ordered ids, as `crm_app` with the tenant set), measuring that backend's CPU
 * from /proc (the server must run on this machine). Variants alternate with a rotating order;
 * compare the minimum and the median.
 *
 *   npx tsx evals/src/foundation/ab-import-sql.ts --variant old=evals/src/foundation/ab/undo-0370.sql --variant new=
 *     [--batches 40] [--runs 3] [--server postgresql://postgres@127.0.0.1:5432/test]
 *
 * A variant is `label=FILE` (empty: the schema as migrated); a FILE ending in `.pre.sql` is run at
 * the start of every statement's transaction instead (session settings such as `SET LOCAL work_mem`).
 */
import fs from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openTestDatabase } from '@crm/core/testing';

const { values } = parseArgs({
  options: {
    variant: { type: 'string', multiple: true },
    batches: { type: 'string', default: '40' },
    runs: { type: 'string', default: '3' },
    server: { type: 'string', default: process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test' },
  },
});
const BATCHES = Number(values.batches);
const RUNS = Number(values.runs);
if (!Number.isInteger(BATCHES) || BATCHES < 1) throw new Error('--batches: must be a whole number ≥ 1');
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error('--runs: must be a whole number ≥ 1');
const variants = (values.variant ?? []).map((v) => {
  const eq = v.indexOf('=');
  if (eq < 1) throw new Error(`--variant: "${v}" is not label=FILE`);
  const file = v.slice(eq + 1);
  const text = file ? fs.readFileSync(file, 'utf8') : '';
  return { label: v.slice(0, eq), setup: file.endsWith('.pre.sql') ? '' : text, perTx: file.endsWith('.pre.sql') ? text : '' };
});
if (variants.length < 2) throw new Error('--variant: give at least two (label=FILE)');

const TENANT = '00000000-0000-0000-0000-0000000000b1';
const MS = `lpad(to_hex(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint), 12, '0')`;
const V7 = `(substr(${MS}, 1, 8) || '-' || substr(${MS}, 9, 4) || '-7' || substr(gen_random_uuid()::text, 16))::uuid`;
const DERIVED = "ARRAY['search_text', 'dup_name', 'dup_phone', 'dup_email', 'dup_company']";
const statement = (b: number) => `WITH x AS (
   SELECT ${V7} AS id, 'f' || i || '.l@co' || (i % 997) || '.example' AS email, (ARRAY['Ava','Liam','Noah','Emma','Mia'])[1 + i % 5] AS first_name,
     (ARRAY['Smith','Garcia','Nguyen','Khan','Muller','Rossi'])[1 + i % 6] AS last_name, 'Nova Peak ' || (i % 997) AS company
   FROM generate_series(${b * 1000 + 1}, ${b * 1000 + 1000}) i),
 ins AS (INSERT INTO contacts (id, tenant_id, email, first_name, last_name, company, position, lead_score, status, source, custom_fields, metadata, created_at, updated_at)
   SELECT x.id, crm_current_tenant(), x.email, x.first_name, x.last_name, x.company, 'Marketing Manager', 42, 'LEAD', 'import', '{}', '{}', now(), now() FROM x RETURNING *),
 aud AS (INSERT INTO audit_log (tenant_id, actor_kind, action, entity_type, entity_id, diff)
   SELECT crm_current_tenant(), 'user', 'contact.imported', 'contact', ins.id, jsonb_build_object('after', to_jsonb(ins) - ${DERIVED}) FROM ins),
 ev AS (INSERT INTO outbox_events (id, tenant_id, type, aggregate_type, aggregate_id, payload)
   SELECT ${V7}, crm_current_tenant(), 'contact.created', 'contact', ins.id, jsonb_build_object('contactId', ins.id, 'email', ins.email, 'source', 'import') FROM ins)
 SELECT count(*) FROM ins`;

/** utime + stime of a process in clock ticks (1/100 s). */
function ticks(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

async function once(v: (typeof variants)[number]): Promise<number> {
  // a new database on the server with every migration applied; drop() removes it
  const t = await openTestDatabase('postgres', [], { serverUrl: values.server, poolMax: 1 });
  try {
    const c = new pg.Client({ connectionString: t.db.url });
    await c.connect();
    try {
      if (v.setup) await c.query(v.setup);
      await c.query(`INSERT INTO tenants (id, name, slug) VALUES ('${TENANT}', 'A/B', 'ab')`);
      const pid = Number((await c.query('SELECT pg_backend_pid() AS p')).rows[0].p);
      const t0 = ticks(pid);
      for (let b = 0; b < BATCHES; b++) {
        await c.query('BEGIN');
        await c.query(`SELECT set_config('role', 'crm_app', true), set_config('app.tenant_id', '${TENANT}', true)`);
        if (v.perTx) await c.query(v.perTx);
        await c.query(statement(b));
        await c.query('COMMIT');
      }
      return Math.round(((ticks(pid) - t0) * 10) / BATCHES);
    } finally {
      await c.end();
    }
  } finally {
    await t.drop();
  }
}

const results = new Map<string, number[]>(variants.map((v) => [v.label, []]));
for (let round = 0; round < RUNS; round++) {
  for (let k = 0; k < variants.length; k++) {
    const v = variants[(round + k) % variants.length];
    const load = +os.loadavg()[0].toFixed(1);
    const ms = await once(v);
    results.get(v.label)!.push(ms);
    console.log(JSON.stringify({ round: round + 1, variant: v.label, backendCpuMsPer1kRows: ms, load }));
  }
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
console.log(`\n${BATCHES} statements of 1,000 rows per run, ${RUNS} rounds alternating · ${new Date().toISOString()}\n`);
console.log('| variant | backend CPU ms per 1k rows (min / median) | runs |');
console.log('|---|---|---|');
for (const [label, xs] of results) console.log(`| ${label} | ${Math.min(...xs)} / ${median(xs)} | ${xs.join(', ')} |`);
