import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { createLogger, silentLogger } from '../logger.ts';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '../testing/index.ts';
import type { Database } from './database.ts';
import { startEmbeddedMaintenance } from './embedded-maintenance.ts';

async function owner<T>(db: Database, sql: string): Promise<T[]> {
  const c = await db.connect();
  try {
    return (await c.query(sql)).rows as T[];
  } finally {
    c.release();
  }
}
const pages = async (db: Database, table: string) => Number((await owner<{ p: string }>(db, `SELECT pg_relation_size('${table}') / 8192 AS p`))[0].p);
const reltuples = async (db: Database, table: string) => Number((await owner<{ r: number }>(db, `SELECT reltuples AS r FROM pg_class WHERE relname = '${table}'`))[0].r);

function captureLogger() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), lines };
}

describe('embedded database maintenance (PGlite has no autovacuum)', () => {
  let t: TestDatabase;
  let core: CrmCore;
  let f: TenantFixture;

  beforeAll(async () => {
    t = await openTestDatabase('pglite');
    core = createCrmCore({ db: t.db, logger: silentLogger() });
    f = await createTenantFixture(core);
    for (let i = 0; i < 100; i++) await core.contacts.create(f.admin, { firstName: `Vac${i}`, lastName: 'Uum', email: `vac${i}@maint.example` });
  }, 120_000);
  afterAll(() => t.drop());

  it('reclaims dead rows (the table stops growing) and gives never-analysed tables statistics', async () => {
    const bloat = async (rounds: number) => {
      for (let i = 0; i < rounds; i++) await owner(t.db, 'UPDATE contacts SET lead_score = 100 - lead_score');
    };
    const before = await pages(t.db, 'contacts');
    await bloat(20);
    const bloated = await pages(t.db, 'contacts');
    // without maintenance every round's old row versions stay: the table grows round after round
    expect(bloated).toBeGreaterThan(before * 3);
    expect(await reltuples(t.db, 'kb_chunks')).toBe(-1);
    const statistics = async () => Number((await owner<{ n: string }>(t.db, "SELECT count(*) AS n FROM pg_statistic WHERE starelid = 'contacts'::regclass"))[0].n);
    expect(await statistics()).toBe(0);

    const { logger, lines } = captureLogger();
    const m = startEmbeddedMaintenance(t.db, logger, { intervalMs: 3_600_000 });
    expect(m.lastPass()).toBeUndefined();
    const pass = await m.runOnce();
    expect(m.lastPass()).toMatch(new RegExp(`^last pass \\d{4}-\\d\\d-\\d\\dT.*: ${pass.tables} tables, ${pass.analyzed} analysed`));
    expect(pass.tables).toBeGreaterThan(20);
    expect(pass.analyzed).toBeGreaterThan(0);
    expect(pass.steps.find((s) => s.table === 'public.contacts' && s.op === 'VACUUM')).toMatchObject({ indexCleanup: true });
    // a vector graph index is never cleaned here: on PGlite that held the database for seconds
    expect(pass.steps.find((s) => s.table === 'public.kb_vectors' && s.op === 'VACUUM')).toMatchObject({ indexCleanup: false });
    expect(pass.longest?.ms).toBe(Math.max(...pass.steps.map((s) => Math.round(s.ms * 10) / 10)));
    expect(lines.find((l) => l.msg === 'embedded database maintenance pass')).toMatchObject({ tables: pass.tables, analyzed: pass.analyzed });
    expect(await reltuples(t.db, 'kb_chunks')).toBeGreaterThanOrEqual(0);
    expect(await reltuples(t.db, 'contacts')).toBe(100);
    expect(await statistics()).toBeGreaterThan(5);

    // nothing changed size since: nothing is analysed again
    const again = await m.runOnce();
    expect(again.tables).toBe(pass.tables);
    expect(again.analyzed).toBe(0);
    // nor by the next process (a restart): statistics found at its first pass count as of then
    const next = startEmbeddedMaintenance(t.db, silentLogger(), { intervalMs: 3_600_000 });
    expect((await next.runOnce()).analyzed).toBe(0);
    await next.stop();

    // the same 20 rounds again fit into the space the pass reclaimed
    await bloat(20);
    expect(await pages(t.db, 'contacts')).toBeLessThan(bloated * 1.5);
    await m.stop();
    // the data is intact
    expect((await core.contacts.list(f.admin, { search: 'vac', limit: 100 })).totalCount).toBe(100);
  }, 120_000);

  it('runs on its timer until stopped', async () => {
    const { logger, lines } = captureLogger();
    const m = startEmbeddedMaintenance(t.db, logger, { intervalMs: 20, firstDelayMs: 0 });
    await vi.waitFor(() => expect(lines.filter((l) => l.msg === 'embedded database maintenance pass').length).toBeGreaterThanOrEqual(2), { timeout: 60_000, interval: 20 });
    await m.stop();
    const n = lines.length;
    await new Promise((r) => setTimeout(r, 100));
    expect(lines.length).toBe(n);
  }, 90_000);
});

describe.each(testDbKinds().filter((k) => k === 'postgres'))('embedded database maintenance on %s', (kind) => {
  it('does not schedule itself on a server (autovacuum does this there)', async () => {
    const t = await openTestDatabase(kind);
    try {
      const { logger, lines } = captureLogger();
      const m = startEmbeddedMaintenance(t.db, logger, { intervalMs: 5, firstDelayMs: 0 });
      await new Promise((r) => setTimeout(r, 200));
      await m.stop();
      expect(lines.filter((l) => l.msg === 'embedded database maintenance pass')).toEqual([]);
    } finally {
      await t.drop();
    }
  }, 60_000);
});
