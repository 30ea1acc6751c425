import type { Logger } from '../logger.ts';
import { databaseOf, type DatabaseHandle } from './database-handle.ts';

/** One statement of a maintenance pass (the database is held for `ms`, then requests get their turn). */
export interface MaintenanceStep {
  table: string;
  op: 'VACUUM' | 'ANALYZE';
  ms: number;
  /** VACUUM only: false for a table with a vector graph index (its index entries are left). */
  indexCleanup?: boolean;
}

export interface MaintenancePass {
  tables: number;
  analyzed: number;
  totalMs: number;
  /** The longest single step: the longest the embedded database was held by maintenance at once. */
  longest: MaintenanceStep | undefined;
  steps: MaintenanceStep[];
}

export interface EmbeddedMaintenance {
  /** One pass over every table now (also what the timer runs). */
  runOnce(): Promise<MaintenancePass>;
  /** When the last pass ended and what it did, in a few words (for /health); undefined before the first. */
  lastPass(): string | undefined;
  stop(): Promise<void>;
}

/**
 * Tables above this size are analysed from a sample of 3,000 rows (statistics target 10) instead
 * of 30,000: ANALYZE of the demo's 20k knowledge chunks (text and tsvector columns) held PGlite for
 * 1.65 s at the default.
 */
const LARGE_TABLE_BYTES = 4 * 1024 * 1024;

/** A table is re-analysed when its size moved by this share since its last analysis (as autovacuum's scale factor). */
const ANALYZE_SIZE_CHANGE = 0.1;

/**
 * PostgreSQL's autovacuum does not exist in the embedded PGlite (one backend, no background
 * workers): without this, every row version a change leaves behind (a rescore updates every
 * contact, every outbox event is written and then marked dispatched, every workflow step writes
 * checkpoints) stays in the table forever, scans and counts read ever more dead rows, index-only
 * scans fall back to the heap (no visibility map), and tables that were never analysed keep the
 * planner's default guesses. So the process that owns the embedded database runs a pass every
 * `intervalMs`: `VACUUM` table by table (cheap for a table that did not change: the visibility
 * map lets it skip all-visible pages), with `ANALYZE` when the table has rows but no statistics yet,
 * or its size moved by 10% since its last analysis (statistics found at a process's first pass count
 * as of then, so a restart does not re-analyse everything) — two statements, the event loop yields after each, so
 * requests wait for at most one statement on one table (logged as `longest`).
 * On a PostgreSQL server this is autovacuum's job: `start` does nothing there.
 */
export function startEmbeddedMaintenance(
  handle: DatabaseHandle,
  logger: Logger,
  opts: { intervalMs: number; firstDelayMs?: number },
): EmbeddedMaintenance {
  const db = databaseOf(handle);
  const analyzedAtBytes = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<MaintenancePass> | undefined;
  let stopped = false;
  let lastSummary: string | undefined;

  async function pass(): Promise<MaintenancePass> {
    const steps: MaintenanceStep[] = [];
    // a connection per statement: on the embedded database a held connection holds the one
    // session, so requests get their turn between two statements
    const query = async <R extends object>(sql: string): Promise<R[]> => {
      const client = await db.connect();
      try {
        return (await client.query(sql)).rows as R[];
      } finally {
        client.release();
      }
    };
    const tables = await query<{ name: string; bytes: string; stats: boolean; graph: boolean }>(
      `SELECT format('%I.%I', n.nspname, c.relname) AS name, pg_relation_size(c.oid) AS bytes,
              EXISTS (SELECT 1 FROM pg_statistic s WHERE s.starelid = c.oid) AS stats,
              EXISTS (SELECT 1 FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
                       WHERE i.indrelid = c.oid AND am.amname IN ('hnsw', 'ivfflat')) AS graph
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
        ORDER BY pg_relation_size(c.oid)`,
    );
    const firstPass = analyzedAtBytes.size === 0;
    for (const t of tables) {
      if (stopped) break;
      const bytes = Number(t.bytes);
      // statistics an earlier process left are taken as of now: a restart does not re-analyse everything
      if (firstPass && t.stats) analyzedAtBytes.set(t.name, bytes);
      const last = analyzedAtBytes.get(t.name);
      // never analysed (an empty table has nothing to sample), or resized by 10% since
      const analyze = last === undefined ? t.stats || bytes > 0 : Math.abs(bytes - last) > ANALYZE_SIZE_CHANGE * Math.max(last, 8192);
      const large = bytes > LARGE_TABLE_BYTES;
      const step = async (op: MaintenanceStep['op']) => {
        // Removing deleted rows from a vector graph index repairs the graph around each one: on
        // PGlite 37 s for 1,500 of 5,000 vectors, 14 s for 100 — the whole database held for it.
        // Such tables keep their index entries (searches skip dead rows, as before this pass
        // existed) and get the heap part only.
        const indexCleanup = op === 'VACUUM' ? !t.graph : undefined;
        const sql =
          op === 'ANALYZE' && large
            ? // a large table is analysed from a small sample; SET LOCAL needs a transaction, which ANALYZE (unlike VACUUM) may run in
              `BEGIN; SET LOCAL default_statistics_target = 10; ANALYZE ${t.name}; COMMIT`
            : `${op}${indexCleanup === false ? ' (INDEX_CLEANUP OFF)' : ''} ${t.name}`;
        const started = performance.now();
        await query(sql);
        steps.push({ table: t.name, op, ms: performance.now() - started, ...(indexCleanup === undefined ? {} : { indexCleanup }) });
        // let requests queued behind this statement run before the next
        await new Promise((resolve) => setImmediate(resolve));
      };
      try {
        await step('VACUUM');
        // a separate statement: VACUUM (ANALYZE) would hold the database for both at once
        if (analyze && !stopped) {
          await step('ANALYZE');
          analyzedAtBytes.set(t.name, bytes);
        }
      } catch (err) {
        // a table dropped since the list was read, or one this role may not maintain: skip it
        logger.debug({ table: t.name, err: (err as Error).message }, 'embedded maintenance skipped a table');
      }
    }
    const longest = steps.reduce<MaintenanceStep | undefined>((a, s) => (a && a.ms >= s.ms ? a : s), undefined);
    const result = {
      tables: steps.filter((s) => s.op === 'VACUUM').length,
      analyzed: steps.filter((s) => s.op === 'ANALYZE').length,
      totalMs: Math.round(steps.reduce((a, s) => a + s.ms, 0)),
      longest: longest && { ...longest, ms: Math.round(longest.ms * 10) / 10 },
      steps,
    };
    lastSummary = `last pass ${new Date().toISOString()}: ${result.tables} tables, ${result.analyzed} analysed, ${result.totalMs} ms, longest statement ${result.longest?.ms ?? 0} ms`;
    logger.info(
      { tables: result.tables, analyzed: result.analyzed, totalMs: result.totalMs, longestStep: result.longest && `${result.longest.op} ${result.longest.table}`, longestMs: result.longest?.ms },
      'embedded database maintenance pass',
    );
    return result;
  }

  function runOnce(): Promise<MaintenancePass> {
    // one pass at a time: a timer firing during a manual pass joins it
    running ??= pass().finally(() => (running = undefined));
    return running;
  }

  function schedule(delay: number) {
    if (stopped || db.kind !== 'pglite') return;
    timer = setTimeout(() => {
      runOnce()
        .catch((err) => logger.warn({ err }, 'embedded database maintenance failed; retrying at the next interval'))
        .finally(() => schedule(opts.intervalMs));
    }, delay);
    timer.unref();
  }
  schedule(opts.firstDelayMs ?? opts.intervalMs);

  return {
    runOnce,
    lastPass: () => lastSummary,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running?.catch(() => {});
    },
  };
}
