import type http from 'node:http';
import { sendJson, startHttpDouble, type HttpDouble, type RecordedRequest } from '../../ai/http-double.fixture.ts';

/** A field of a table schema, as in the REST API's TableFieldSchema. */
export interface DoubleField {
  name: string;
  type: string;
  mode?: 'NULLABLE' | 'REQUIRED' | 'REPEATED';
}

export interface DoubleTable {
  schema: DoubleField[];
  timePartitioning?: { type: string; field?: string };
  clustering?: { fields: string[] };
  /** Rows kept (after insertId de-duplication), in arrival order. */
  rows: Record<string, unknown>[];
  insertIds: Set<string>;
}

export interface BigQueryDouble {
  url: string;
  requests: RecordedRequest[];
  /** Datasets that exist, by `project:dataset`. */
  datasets: Set<string>;
  tables: Map<string, DoubleTable>;
  table(project: string, dataset: string, table: string): DoubleTable | undefined;
  /** Answer the next `count` requests (any method) with this HTTP status and a Google error body. */
  failNext(status: number, count?: number, message?: string): void;
  /**
   * Rows (json) this predicate picks are refused by insertAll with `reason`: `invalid` (then the
   * request's other rows are `stopped`, nothing stored) or a passing one such as `backendError`
   * (only that row is not stored).
   */
  rejectRows(predicate: ((row: Record<string, unknown>) => boolean) | undefined, reason?: string): void;
  /** Every insertAll request's insertIds, in order (retries included). */
  insertedIds(): string[];
  close(): Promise<void>;
}

function googleError(res: http.ServerResponse, status: number, message: string, reason: string): void {
  const statusText: Record<number, string> = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 409: 'ALREADY_EXISTS', 500: 'INTERNAL', 503: 'UNAVAILABLE' };
  sendJson(res, status, { error: { code: status, message, errors: [{ message, domain: 'global', reason }], status: statusText[status] ?? 'UNKNOWN' } });
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:?\d{2}| UTC)?$/;

/** The reason a value does not fit a field (as BigQuery's insertAll reports it), or undefined. */
function invalidValue(field: DoubleField, value: unknown): string | undefined {
  if (value === null || value === undefined) return field.mode === 'REQUIRED' ? `Missing required field: ${field.name}.` : undefined;
  const ok: Record<string, (v: unknown) => boolean> = {
    STRING: (v) => typeof v === 'string',
    FLOAT: (v) => typeof v === 'number' || (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))),
    FLOAT64: (v) => typeof v === 'number',
    INTEGER: (v) => Number.isInteger(typeof v === 'string' ? Number(v) : v),
    BOOLEAN: (v) => typeof v === 'boolean',
    TIMESTAMP: (v) => typeof v === 'string' && TIMESTAMP.test(v),
  };
  const check = ok[field.type];
  if (check && !check(value)) return `Cannot convert value to ${field.type.toLowerCase()}: field ${field.name}.`;
  return undefined;
}

/**
 * A local stand-in for the BigQuery REST API v2 (the parts the export uses): datasets.get,
 * tables.get, tables.insert and tabledata.insertAll with insertId de-duplication and per-row
 * `insertErrors` the way the service reports them (a bad row is `invalid`, the request's other
 * rows `stopped` unless skipInvalidRows). It checks rows against the table's schema.
 */
export async function startBigQueryDouble(options: { datasets?: string[] } = {}): Promise<BigQueryDouble> {
  const double: HttpDouble = await startHttpDouble();
  const datasets = new Set(options.datasets ?? []);
  const tables = new Map<string, DoubleTable>();
  const inserted: string[] = [];
  let failures: { status: number; left: number; message: string } | undefined;
  let reject: ((row: Record<string, unknown>) => boolean) | undefined;
  let rejectReason = 'invalid';

  double.handle((req, res) => {
    if (failures && failures.left > 0) {
      failures.left--;
      return googleError(res, failures.status, failures.message, failures.status === 401 ? 'authError' : failures.status === 403 ? 'accessDenied' : 'backendError');
    }
    const url = new URL(req.path, 'http://double');
    const m = /^\/bigquery\/v2\/projects\/([^/]+)\/datasets\/([^/]+)(?:\/tables(?:\/([^/]+))?(\/insertAll)?)?\/?$/.exec(url.pathname);
    if (!m) return googleError(res, 404, `Not found: URL ${url.pathname}`, 'notFound');
    const [, project, dataset, tableId, insertAll] = m.map((s) => (s === undefined ? s : decodeURIComponent(s)));
    const datasetKey = `${project}:${dataset}`;
    if (!datasets.has(datasetKey)) return googleError(res, 404, `Not found: Dataset ${datasetKey}`, 'notFound');
    const hasTables = url.pathname.includes('/tables');
    if (!hasTables && req.method === 'GET') {
      return sendJson(res, 200, { kind: 'bigquery#dataset', id: datasetKey, datasetReference: { projectId: project, datasetId: dataset }, location: 'EU' });
    }
    if (hasTables && !tableId && req.method === 'POST') {
      const body = req.body as { tableReference?: { projectId?: string; datasetId?: string; tableId?: string }; schema?: { fields?: DoubleField[] }; timePartitioning?: DoubleTable['timePartitioning']; clustering?: DoubleTable['clustering'] };
      const id = body?.tableReference?.tableId;
      if (!id || !body.schema?.fields?.length) return googleError(res, 400, 'tableReference.tableId and schema.fields are required', 'invalid');
      const key = `${datasetKey}.${id}`;
      if (tables.has(key)) return googleError(res, 409, `Already Exists: Table ${key}`, 'duplicate');
      const fields = body.schema.fields;
      if (body.timePartitioning?.field && !fields.some((f) => f.name === body.timePartitioning!.field && (f.type === 'TIMESTAMP' || f.type === 'DATE'))) {
        return googleError(res, 400, `The field specified for time partitioning can only be of type TIMESTAMP, DATE or DATETIME: ${body.timePartitioning.field}`, 'invalid');
      }
      tables.set(key, { schema: fields, timePartitioning: body.timePartitioning, clustering: body.clustering, rows: [], insertIds: new Set() });
      return sendJson(res, 200, { kind: 'bigquery#table', id: key, tableReference: { projectId: project, datasetId: dataset, tableId: id }, schema: { fields }, timePartitioning: body.timePartitioning });
    }
    const key = `${datasetKey}.${tableId}`;
    const table = tables.get(key);
    if (tableId && !insertAll && req.method === 'GET') {
      if (!table) return googleError(res, 404, `Not found: Table ${key}`, 'notFound');
      return sendJson(res, 200, { kind: 'bigquery#table', id: key, tableReference: { projectId: project, datasetId: dataset, tableId }, schema: { fields: table.schema }, numRows: String(table.rows.length) });
    }
    if (insertAll && req.method === 'POST') {
      if (!table) return googleError(res, 404, `Not found: Table ${key}`, 'notFound');
      const body = req.body as { rows?: { insertId?: string; json?: Record<string, unknown> }[]; skipInvalidRows?: boolean; ignoreUnknownValues?: boolean };
      if (!Array.isArray(body?.rows) || !body.rows.length) return googleError(res, 400, 'No rows present in the request.', 'invalid');
      const byName = new Map(table.schema.map((f) => [f.name, f]));
      const errors = body.rows.map((row): { reason: string; message: string } | undefined => {
        const json = row.json ?? {};
        if (reject?.(json)) return { reason: rejectReason, message: 'Row refused by the double (planted failure).' };
        const unknown = Object.keys(json).find((k) => !byName.has(k));
        if (unknown && !body.ignoreUnknownValues) return { reason: 'invalid', message: `no such field: ${unknown}.` };
        for (const f of table.schema) {
          const why = invalidValue(f, json[f.name]);
          if (why) return { reason: 'invalid', message: why };
        }
        return undefined;
      });
      const anyInvalid = errors.some((e) => e?.reason === 'invalid');
      const insertErrors: { index: number; errors: { reason: string; location: string; message: string }[] }[] = [];
      body.rows.forEach((row, index) => {
        if (row.insertId) inserted.push(row.insertId);
        const error = errors[index];
        if (error) return insertErrors.push({ index, errors: [{ ...error, location: '' }] });
        if (anyInvalid && !body.skipInvalidRows) return insertErrors.push({ index, errors: [{ reason: 'stopped', location: '', message: '' }] });
        if (row.insertId && table.insertIds.has(row.insertId)) return; // best-effort de-duplication
        if (row.insertId) table.insertIds.add(row.insertId);
        table.rows.push(row.json ?? {});
      });
      return sendJson(res, 200, { kind: 'bigquery#tableDataInsertAllResponse', ...(insertErrors.length ? { insertErrors } : {}) });
    }
    return googleError(res, 400, `The double does not serve ${req.method} ${url.pathname}`, 'invalid');
  });

  return {
    url: double.url,
    requests: double.requests,
    datasets,
    tables,
    table: (project, dataset, table) => tables.get(`${project}:${dataset}.${table}`),
    failNext(status, count = 1, message = status === 401 ? 'Request had invalid authentication credentials.' : 'The service is currently unavailable.') {
      failures = { status, left: count, message };
    },
    rejectRows(predicate, reason = 'invalid') {
      reject = predicate;
      rejectReason = reason;
    },
    insertedIds: () => [...inserted],
    close: () => double.close(),
  };
}
