import type { Logger } from '../../logger.ts';
import { EXPORT_SOURCES, EXPORT_SQL, EXPORT_TABLES, toExportRow, type ExportSource } from './bigquery-export.tables.ts';
import type { BigQuerySink } from './bigquery.sink.ts';
import { databaseOf, type DatabaseHandle } from '../../db/database-handle.ts';

const START = { updatedAt: '-infinity', id: '00000000-0000-0000-0000-000000000000' };
const UTC_US = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

export interface ExportWatermark {
  tenantId: string;
  source: ExportSource;
  /** Microsecond UTC text of the last exported version. */
  lastUpdatedAt: string;
  lastId: string;
  exportedRows: number;
  exportedAt: Date;
}

export interface TenantExport {
  tenantId: string;
  slug: string;
  contacts: number;
  interactions: number;
  /** Set when this tenant's export stopped; the rows before it are stored and its watermark says where it resumes. */
  error?: string;
}

export interface ExportReport {
  target: string;
  /** Rows changed up to this time were considered (now minus the lag). */
  cutoff: string;
  tenants: TenantExport[];
  contacts: number;
  interactions: number;
  failed: number;
}

export interface ExportProgress {
  tenant: string;
  source: ExportSource;
  rows: number;
}

export interface BigQueryExportDeps {
  db: DatabaseHandle;
  sink: BigQuerySink;
  logger?: Logger;
  /** Rows per insertAll request (BigQuery recommends ~500). */
  batchSize?: number;
  /**
   * Rows changed in the last `lagSeconds` wait for the next run: a transaction still open may yet
   * commit a row with an earlier updated_at, which a watermark already past it would skip.
   */
  lagSeconds?: number;
}

export type BigQueryExport = ReturnType<typeof createBigQueryExport>;

/**
 * Incremental export of contacts and interactions to BigQuery: per tenant and table, the rows
 * changed since the watermark, in (updated_at, id) order, in batches; the watermark moves only
 * after BigQuery took a batch, so a failed run resumes where it stopped and a re-sent batch
 * carries the same insertIds (id@updated_at).
 */
export function createBigQueryExport(deps: BigQueryExportDeps) {
  const { sink } = deps;
  const db = databaseOf(deps.db);
  const batchSize = deps.batchSize ?? 500;
  const lagSeconds = deps.lagSeconds ?? 60;

  async function watermarks(tenantIds?: string[]): Promise<ExportWatermark[]> {
    const [rows] = await db.readAsWorker([
      {
        sql: `SELECT tenant_id, source, to_char(last_updated_at AT TIME ZONE 'UTC', ${UTC_US}) AS last_updated_at, last_id, exported_rows, exported_at
                FROM bigquery_export_watermarks ORDER BY tenant_id, source`,
      },
    ]);
    return rows
      .filter((r) => !tenantIds || tenantIds.includes(String(r.tenant_id)))
      .map((r) => ({
        tenantId: String(r.tenant_id),
        source: r.source as ExportSource,
        lastUpdatedAt: String(r.last_updated_at),
        lastId: String(r.last_id),
        exportedRows: Number(r.exported_rows),
        exportedAt: new Date(r.exported_at as string),
      }));
  }

  async function saveWatermark(tenantId: string, source: ExportSource, at: { updatedAt: string; id: string }, rows: number): Promise<void> {
    await db.asWorker((c) =>
      c.query(
        `INSERT INTO bigquery_export_watermarks AS w (tenant_id, source, last_updated_at, last_id, exported_rows, exported_at)
         VALUES ($1, $2, $3::timestamptz, $4, $5, now())
         ON CONFLICT (tenant_id, source) DO UPDATE SET
           -- never backwards (a --full run re-sends old rows but must not forget newer progress)
           last_updated_at = CASE WHEN (excluded.last_updated_at, excluded.last_id) > (w.last_updated_at, w.last_id) THEN excluded.last_updated_at ELSE w.last_updated_at END,
           last_id = CASE WHEN (excluded.last_updated_at, excluded.last_id) > (w.last_updated_at, w.last_id) THEN excluded.last_id ELSE w.last_id END,
           exported_rows = w.exported_rows + excluded.exported_rows,
           exported_at = now()`,
        [tenantId, source, at.updatedAt, at.id, rows],
      ),
    );
  }

  async function exportSource(tenantId: string, source: ExportSource, from: { updatedAt: string; id: string }, cutoff: string, progress: (rows: number) => void): Promise<number> {
    let after = from;
    let total = 0;
    for (;;) {
      const [rows] = await db.readAsTenant(tenantId, [{ sql: EXPORT_SQL[source], params: [after.updatedAt, after.id, cutoff, batchSize] }]);
      if (!rows.length) return total;
      await sink.insert(EXPORT_TABLES[source].name, rows.map((r) => toExportRow(source, r)));
      const last = rows[rows.length - 1];
      after = { updatedAt: String(last.updated_at), id: String(last.id) };
      await saveWatermark(tenantId, source, after, rows.length);
      total += rows.length;
      progress(total);
      if (rows.length < batchSize) return total;
    }
  }

  return {
    watermarks,
    /**
     * Export every tenant (or those given) up to now minus the lag. `full` starts from the
     * beginning (re-sends every row; BigQuery appends them again as versions). One tenant's failure
     * does not stop the others; the report lists it.
     */
    async run(options: { tenantIds?: string[]; full?: boolean; onProgress?: (p: ExportProgress) => void } = {}): Promise<ExportReport> {
      const [[clock], tenants] = await db.readAsWorker([
        { sql: `SELECT to_char((now() - make_interval(secs => $1)) AT TIME ZONE 'UTC', ${UTC_US}) AS cutoff`, params: [lagSeconds] },
        { sql: 'SELECT id, slug FROM tenants ORDER BY slug' },
      ]);
      const cutoff = String(clock.cutoff);
      const selected = tenants.filter((t) => !options.tenantIds || options.tenantIds.includes(String(t.id)));
      for (const source of EXPORT_SOURCES) await sink.ensureTable(EXPORT_TABLES[source]);
      const marks = options.full ? [] : await watermarks(options.tenantIds);
      const report: ExportReport = { target: sink.target, cutoff, tenants: [], contacts: 0, interactions: 0, failed: 0 };
      for (const t of selected) {
        const tenantId = String(t.id);
        const slug = String(t.slug);
        const line: TenantExport = { tenantId, slug, contacts: 0, interactions: 0 };
        try {
          for (const source of EXPORT_SOURCES) {
            const mark = marks.find((m) => m.tenantId === tenantId && m.source === source);
            const from = mark ? { updatedAt: mark.lastUpdatedAt, id: mark.lastId } : START;
            line[source] = await exportSource(tenantId, source, from, cutoff, (rows) => {
              line[source] = rows;
              options.onProgress?.({ tenant: slug, source, rows });
            });
          }
        } catch (err) {
          line.error = (err as Error).message;
          report.failed++;
          deps.logger?.warn({ err, tenant: slug }, 'BigQuery export of a tenant stopped; it resumes from its watermark');
        }
        report.contacts += line.contacts;
        report.interactions += line.interactions;
        report.tenants.push(line);
      }
      return report;
    },
  };
}
