import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startBigQueryDouble, type BigQueryDouble } from './bigquery-double.fixture.ts';
import { EXPORT_TABLES, toExportRow } from './bigquery-export.tables.ts';
import { BigQueryExportError, createBigQuerySink, type BigQuerySink } from './bigquery.sink.ts';

const PROJECT = 'acme-crm-test';
const DATASET = 'crm_analytics';
const T = '11111111-1111-4111-8111-111111111111';

function contactRow(i: number, updatedAt = '2026-11-28T10:00:00.000001Z') {
  return toExportRow('contacts', {
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    tenant_id: T,
    status: 'LEAD',
    lead_score: 42.5,
    source: 'webinar',
    created_at: '2026-11-01T09:00:00.000000Z',
    assigned_to: null,
    last_contact_date: null,
    updated_at: updatedAt,
  });
}

// The real @google-cloud/bigquery client against a local double of the BigQuery REST API v2.
describe('BigQuery sink (official client → REST double)', () => {
  let bq: BigQueryDouble;
  let sink: BigQuerySink;
  const open = (maxRetries = 0) => createBigQuerySink({ projectId: PROJECT, dataset: DATASET, apiEndpoint: bq.url }, { maxRetries });

  beforeAll(async () => {
    bq = await startBigQueryDouble({ datasets: [`${PROJECT}:${DATASET}`] });
  });
  afterEach(async () => {
    await sink?.close();
    bq.failNext(200, 0);
    bq.rejectRows(undefined);
  });
  afterAll(() => bq.close());

  it('checks the dataset and creates the table once with its schema, day partitions and clustering', async () => {
    sink = open();
    await sink.ensureTable(EXPORT_TABLES.contacts);
    await sink.ensureTable(EXPORT_TABLES.contacts);
    const table = bq.table(PROJECT, DATASET, 'crm_contacts')!;
    expect(table.schema.map((f) => `${f.name}:${f.type}:${f.mode}`)).toEqual([
      'id:STRING:REQUIRED',
      'tenant_id:STRING:REQUIRED',
      'status:STRING:REQUIRED',
      'lead_score:FLOAT:REQUIRED',
      'source:STRING:REQUIRED',
      'created_at:TIMESTAMP:REQUIRED',
      'assigned_to:STRING:NULLABLE',
      'last_contact_date:TIMESTAMP:NULLABLE',
      'updated_at:TIMESTAMP:REQUIRED',
    ]);
    expect(table.timePartitioning).toEqual({ type: 'DAY', field: 'updated_at' });
    expect(table.clustering).toEqual({ fields: ['tenant_id', 'id'] });
    const calls = bq.requests.map((r) => `${r.method} ${r.path.split('?')[0]}`);
    expect(calls).toEqual([
      `GET /bigquery/v2/projects/${PROJECT}/datasets/${DATASET}`,
      `GET /bigquery/v2/projects/${PROJECT}/datasets/${DATASET}/tables/crm_contacts`,
      `POST /bigquery/v2/projects/${PROJECT}/datasets/${DATASET}/tables`,
    ]);
    // no Google credentials are asked for or sent to the double
    expect(bq.requests.every((r) => r.headers.authorization === undefined)).toBe(true);

    // a second sink (another replica) finds the table and does not create it again
    const before = bq.requests.length;
    const other = open();
    await other.ensureTable(EXPORT_TABLES.contacts);
    expect(bq.requests.slice(before).map((r) => r.method)).toEqual(['GET', 'GET']);
  });

  it('streams rows with insertAll carrying our insertIds; a re-sent batch is not stored twice', async () => {
    sink = open();
    await sink.ensureTable(EXPORT_TABLES.contacts);
    const rows = [1, 2, 3].map((i) => contactRow(i));
    await sink.insert('crm_contacts', rows);
    await sink.insert('crm_contacts', rows);
    const insertAll = bq.requests.filter((r) => r.path.split('?')[0].endsWith('/tables/crm_contacts/insertAll'));
    expect(insertAll).toHaveLength(2);
    expect((insertAll[0].body as { rows: { insertId: string }[] }).rows.map((r) => r.insertId)).toEqual(rows.map((r) => r.insertId));
    expect(rows[0].insertId).toBe('00000000-0000-4000-8000-000000000001@2026-11-28T10:00:00.000001Z');
    const table = bq.table(PROJECT, DATASET, 'crm_contacts')!;
    expect(table.rows.filter((r) => String(r.id).endsWith('00000000000' + '1'))).toHaveLength(1);
    expect(table.rows[0]).toMatchObject({ tenant_id: T, lead_score: 42.5, status: 'LEAD', assigned_to: null });
  });

  it('reports refused rows by insertId and reason, stores none of the batch, and a later re-send stores each row once', async () => {
    sink = open();
    await sink.ensureTable(EXPORT_TABLES.contacts);
    const table = bq.table(PROJECT, DATASET, 'crm_contacts')!;
    const before = table.rows.length;
    const rows = [10, 11, 12].map((i) => contactRow(i));
    bq.rejectRows((r) => String(r.id).endsWith('11'));
    const err = (await sink.insert('crm_contacts', rows).catch((e: unknown) => e)) as BigQueryExportError;
    expect(err).toBeInstanceOf(BigQueryExportError);
    expect(err.message).toMatch(/BigQuery refused 1 of 3 rows for acme-crm-test:crm_analytics\.crm_contacts: 00000000-0000-4000-8000-000000000011@.* \(invalid: Row refused/);
    expect(err.message).toMatch(/none of the batch was stored/);
    expect(err.rejected).toEqual([{ insertId: rows[1].insertId, reasons: [expect.stringMatching(/^invalid: /)] }]);
    expect(table.rows.length).toBe(before);

    bq.rejectRows(undefined);
    await sink.insert('crm_contacts', rows);
    await sink.insert('crm_contacts', rows);
    expect(table.rows.length).toBe(before + 3);
  });

  it('re-sends only the rows that failed for a passing reason, with the same insertIds', async () => {
    sink = open();
    await sink.ensureTable(EXPORT_TABLES.contacts);
    const table = bq.table(PROJECT, DATASET, 'crm_contacts')!;
    const before = table.rows.length;
    const rows = [20, 21, 22].map((i) => contactRow(i));
    let failOnce = true;
    bq.rejectRows((r) => {
      if (String(r.id).endsWith('21') && failOnce) {
        failOnce = false;
        return true;
      }
      return false;
    }, 'backendError');
    const sent = bq.insertedIds().length;
    await sink.insert('crm_contacts', rows);
    expect(bq.insertedIds().slice(sent)).toEqual([...rows.map((r) => r.insertId), rows[1].insertId]);
    expect(table.rows.length).toBe(before + 3);
  });

  it('checks the schema on the way in: a value of the wrong type is refused with the field named', async () => {
    sink = open();
    await sink.ensureTable(EXPORT_TABLES.contacts);
    const bad = contactRow(30);
    bad.json.updated_at = 'yesterday';
    const err = (await sink.insert('crm_contacts', [bad]).catch((e: unknown) => e)) as BigQueryExportError;
    expect(err.rejected[0].reasons[0]).toMatch(/invalid: Cannot convert value to timestamp: field updated_at/);
  });

  it('turns auth, permission, missing dataset and 5xx answers into clear messages', async () => {
    sink = open();
    bq.failNext(401);
    await expect(sink.ensureTable(EXPORT_TABLES.interactions)).rejects.toThrow(/BigQuery refused the credentials \(HTTP 401 authError: .*Workload Identity/);
    bq.failNext(403, 1, 'Access Denied: Dataset acme-crm-test:crm_analytics');
    await expect(sink.ensureTable(EXPORT_TABLES.interactions)).rejects.toThrow(/denied access to acme-crm-test:crm_analytics \(HTTP 403 accessDenied.*roles\/bigquery\.dataEditor/);
    bq.failNext(503);
    const unavailable = (await sink.ensureTable(EXPORT_TABLES.interactions).catch((e: unknown) => e)) as BigQueryExportError;
    expect(unavailable.status).toBe(503);
    expect(unavailable.message).toMatch(/BigQuery is unavailable \(HTTP 503 backendError: The service is currently unavailable\.\); the export resumes from its watermark/);
    // the failures were not cached: the next call succeeds
    await sink.ensureTable(EXPORT_TABLES.interactions);
    expect(bq.table(PROJECT, DATASET, 'crm_interactions')).toBeDefined();

    const missing = createBigQuerySink({ projectId: PROJECT, dataset: 'nope', apiEndpoint: bq.url }, { maxRetries: 0 });
    await expect(missing.ensureTable(EXPORT_TABLES.contacts)).rejects.toThrow(/BigQuery acme-crm-test:nope not found \(HTTP 404 notFound: Not found: Dataset acme-crm-test:nope\); create the dataset first/);

    await sink.ensureTable(EXPORT_TABLES.contacts);
    bq.failNext(500);
    await expect(sink.insert('crm_contacts', [contactRow(40)])).rejects.toThrow(/BigQuery is unavailable \(HTTP 500/);
  });

  it('retries a 5xx itself when asked to (the client backs off), so one outage does not fail the batch', async () => {
    sink = open(1);
    await sink.ensureTable(EXPORT_TABLES.contacts);
    bq.failNext(503);
    await sink.insert('crm_contacts', [contactRow(50)]);
    expect(bq.table(PROJECT, DATASET, 'crm_contacts')!.rows.some((r) => String(r.id).endsWith('50'))).toBe(true);
  });

  it('says when the endpoint cannot be reached', async () => {
    const dead = createBigQuerySink({ projectId: PROJECT, dataset: DATASET, apiEndpoint: 'http://127.0.0.1:9' }, { maxRetries: 0 });
    await expect(dead.ensureTable(EXPORT_TABLES.contacts)).rejects.toThrow(/BigQuery at http:\/\/127\.0\.0\.1:9 could not be reached \(ECONNREFUSED/);
  });
});
