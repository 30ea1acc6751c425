import type { BigQuery, Dataset, Table } from '@google-cloud/bigquery';
import type { BigQueryConfig } from './bigquery.config.ts';

/** A column of an export table, in BigQuery's TableFieldSchema shape. */
export interface ExportField {
  name: string;
  type: 'STRING' | 'FLOAT' | 'INTEGER' | 'BOOLEAN' | 'TIMESTAMP';
  mode: 'NULLABLE' | 'REQUIRED';
  description?: string;
}

export interface ExportTableSpec {
  name: string;
  description: string;
  fields: ExportField[];
  /** Day partitions on this TIMESTAMP column. */
  partitionBy: string;
  clusterBy: string[];
}

/** One row for tabledata.insertAll: `insertId` lets BigQuery drop a re-sent copy. */
export interface ExportRow {
  insertId: string;
  json: Record<string, string | number | boolean | null>;
}

/** A row BigQuery refused, by insertId, with its reasons. */
export interface RejectedRow {
  insertId: string;
  reasons: string[];
}

/** Every failure of the BigQuery adapter: a message that says what to do, and the refused rows if any. */
export class BigQueryExportError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly rejected: RejectedRow[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BigQueryExportError';
  }
}

export interface BigQuerySink {
  /** `project:dataset`, for messages. */
  readonly target: string;
  /** Check the dataset exists and create the table (with its schema) when it does not. Once per table per sink. */
  ensureTable(spec: ExportTableSpec): Promise<void>;
  /** Stream rows; rows BigQuery did not take for a passing reason are re-sent (same insertIds) up to `attempts` times. */
  insert(table: string, rows: ExportRow[]): Promise<void>;
  close(): Promise<void>;
}

export interface BigQuerySinkOptions {
  /** Client-side retries of a failed request (the client's exponential backoff); default 3. */
  maxRetries?: number;
  /** Attempts for rows that failed with a passing reason (stopped, backendError, timeout); default 3. */
  rowAttempts?: number;
}

const PASSING = new Set(['stopped', 'backendError', 'timeout', 'internalError']);

interface ApiErrorLike {
  code?: number | string;
  message?: string;
  errors?: { reason?: string; message?: string; row?: unknown }[];
  name?: string;
}

/** A request failure in words an operator can act on (HTTP status, BigQuery's reason, what to do). */
export function describeBigQueryError(err: unknown, target: string, endpoint: string): BigQueryExportError {
  const e = (err ?? {}) as ApiErrorLike;
  const status = typeof e.code === 'number' ? e.code : undefined;
  const reason = e.errors?.find((x) => x.reason)?.reason;
  const detail = `${e.message ?? String(err)}`.replace(/\s+/g, ' ').slice(0, 300);
  const tag = status ? `HTTP ${status}${reason ? ` ${reason}` : ''}` : (e.code ?? e.name ?? 'error');
  let message: string;
  if (status === 401) message = `BigQuery refused the credentials (${tag}: ${detail}); in GKE the pod's service account needs Workload Identity, locally run "gcloud auth application-default login"`;
  else if (status === 403) message = `BigQuery denied access to ${target} (${tag}: ${detail}); grant the service account roles/bigquery.dataEditor on the dataset`;
  else if (status === 404) message = `BigQuery ${target} not found (${tag}: ${detail}); create the dataset first (BIGQUERY_DATASET must exist in BIGQUERY_PROJECT)`;
  else if (status && status >= 500) message = `BigQuery is unavailable (${tag}: ${detail}); the export resumes from its watermark on the next run`;
  else if (status) message = `BigQuery refused the request for ${target} (${tag}: ${detail})`;
  else message = `BigQuery at ${endpoint} could not be reached (${tag}: ${detail})`;
  return new BigQueryExportError(message, status, [], { cause: err });
}

/** A no-credential auth client for a local double or emulator (the client otherwise always asks Google for a token). */
const noAuth = { getRequestHeaders: async () => ({}), getProjectId: async () => 'none' };

/**
 * The real adapter over the official client (`@google-cloud/bigquery`, imported on first use, so
 * processes without BIGQUERY_DATASET never load it). Credentials: Application Default Credentials
 * (Workload Identity in GKE); with `apiEndpoint` none (a double or emulator).
 */
export function createBigQuerySink(config: Pick<BigQueryConfig, 'projectId' | 'dataset' | 'apiEndpoint'>, options: BigQuerySinkOptions = {}): BigQuerySink {
  const target = `${config.projectId}:${config.dataset}`;
  const endpoint = config.apiEndpoint ?? 'https://bigquery.googleapis.com';
  const rowAttempts = Math.max(1, options.rowAttempts ?? 3);
  let client: Promise<BigQuery> | undefined;
  let datasetChecked: Promise<Dataset> | undefined;
  const ready = new Map<string, Promise<Table>>();

  function open(): Promise<BigQuery> {
    client ??= import('@google-cloud/bigquery').then(
      ({ BigQuery }) =>
        new BigQuery({
          projectId: config.projectId,
          // (a plain maxRetries of 0 reads as "unset" in the client and becomes 3)
          retryOptions: { autoRetry: (options.maxRetries ?? 3) > 0, maxRetries: options.maxRetries ?? 3 },
          ...(config.apiEndpoint ? { apiEndpoint: config.apiEndpoint, authClient: noAuth as never } : {}),
        }),
    );
    return client;
  }
  const fail = (err: unknown): never => {
    throw err instanceof BigQueryExportError ? err : describeBigQueryError(err, target, endpoint);
  };

  async function dataset(): Promise<Dataset> {
    datasetChecked ??= (async () => {
      const ds = (await open()).dataset(config.dataset);
      await ds.get().catch(fail);
      return ds;
    })().catch((err) => {
      datasetChecked = undefined;
      throw err;
    });
    return datasetChecked;
  }

  async function createOrGet(spec: ExportTableSpec): Promise<Table> {
    const ds = await dataset();
    const table = ds.table(spec.name);
    const [exists] = await table.exists().catch(fail);
    if (exists) return table;
    await ds
      .createTable(spec.name, {
        description: spec.description,
        schema: { fields: spec.fields },
        timePartitioning: { type: 'DAY', field: spec.partitionBy },
        clustering: { fields: spec.clusterBy },
      })
      .catch((err: ApiErrorLike) => {
        if (err?.code !== 409) fail(err); // another replica created it meanwhile
      });
    return table;
  }

  async function tableFor(name: string): Promise<Table> {
    const t = ready.get(name);
    if (!t) throw new BigQueryExportError(`BigQuery table ${target}.${name} was not prepared (call ensureTable first)`);
    return t;
  }

  return {
    target,
    async ensureTable(spec) {
      if (!ready.has(spec.name)) {
        const p = createOrGet(spec);
        ready.set(spec.name, p);
        p.catch(() => ready.delete(spec.name));
      }
      await ready.get(spec.name);
    },
    async insert(name, rows) {
      if (!rows.length) return;
      const table = await tableFor(name);
      let pending = rows;
      for (let attempt = 1; ; attempt++) {
        try {
          // raw: our insertIds, so a re-sent row is the same row to BigQuery; skipInvalidRows off: a batch lands whole or not at all
          await table.insert(pending, { raw: true, partialRetries: 0, skipInvalidRows: false });
          return;
        } catch (err) {
          const e = err as ApiErrorLike;
          if (e?.name !== 'PartialFailureError') fail(err);
          const failed = (e.errors ?? []).map((x) => {
            const r = x as unknown as { row: ExportRow; errors: { reason?: string; message?: string }[] };
            return { row: r.row, errors: r.errors ?? [] };
          });
          const invalid = failed.filter((f) => f.errors.some((x) => !PASSING.has(x.reason ?? '')));
          if (invalid.length || attempt >= rowAttempts) {
            const shown = invalid.length ? invalid : failed;
            const rejected = shown.map((f) => ({ insertId: f.row?.insertId ?? '?', reasons: f.errors.map((x) => `${x.reason ?? 'error'}${x.message ? `: ${x.message}` : ''}`) }));
            const sample = rejected.slice(0, 3).map((r) => `${r.insertId} (${r.reasons.join('; ')})`).join(', ');
            throw new BigQueryExportError(
              invalid.length
                ? `BigQuery refused ${invalid.length} of ${pending.length} rows for ${target}.${name}: ${sample}${rejected.length > 3 ? ', …' : ''}; none of the batch was stored`
                : `BigQuery did not store ${failed.length} rows for ${target}.${name} after ${attempt} attempts: ${sample}`,
              200,
              rejected,
              { cause: err },
            );
          }
          pending = failed.map((f) => f.row);
        }
      }
    },
    async close() {
      client = undefined;
      datasetChecked = undefined;
      ready.clear();
    },
  };
}
