import type { ExportField, ExportRow, ExportTableSpec } from './bigquery.sink.ts';

export type ExportSource = 'contacts' | 'interactions';
export const EXPORT_SOURCES: readonly ExportSource[] = ['contacts', 'interactions'];

const f = (name: string, type: ExportField['type'], mode: ExportField['mode'], description: string): ExportField => ({ name, type, mode, description });

// Each row is one version of a record (the one current at updated_at): a changed record is appended
// again, so queries take the latest version per id (see the README).
const common = [f('id', 'STRING', 'REQUIRED', 'Record id (UUID)'), f('tenant_id', 'STRING', 'REQUIRED', 'Tenant id (UUID)')];
const versioned = f('updated_at', 'TIMESTAMP', 'REQUIRED', 'When this version of the record was written; the latest per id is current');

export const EXPORT_TABLES: Record<ExportSource, ExportTableSpec> = {
  contacts: {
    name: 'crm_contacts',
    description: 'Agentic CRM contacts (analytics columns), one row per exported version',
    fields: [
      ...common,
      f('status', 'STRING', 'REQUIRED', 'LEAD, PROSPECT, CUSTOMER or INACTIVE'),
      f('lead_score', 'FLOAT', 'REQUIRED', 'Lead score 0..100'),
      f('source', 'STRING', 'REQUIRED', 'Lead source'),
      f('created_at', 'TIMESTAMP', 'REQUIRED', 'When the contact was created'),
      f('assigned_to', 'STRING', 'NULLABLE', 'Owner user id'),
      f('last_contact_date', 'TIMESTAMP', 'NULLABLE', 'Latest interaction'),
      versioned,
    ],
    partitionBy: 'updated_at',
    clusterBy: ['tenant_id', 'id'],
  },
  interactions: {
    name: 'crm_interactions',
    description: 'Agentic CRM interactions (analytics columns), one row per exported version',
    fields: [
      ...common,
      f('contact_id', 'STRING', 'REQUIRED', 'Contact id'),
      f('type', 'STRING', 'REQUIRED', 'EMAIL, PHONE_CALL, MEETING, …'),
      f('channel', 'STRING', 'REQUIRED', 'EMAIL, PHONE, LINKEDIN, …'),
      f('direction', 'STRING', 'REQUIRED', 'INBOUND or OUTBOUND'),
      f('occurred_at', 'TIMESTAMP', 'REQUIRED', 'When the interaction happened'),
      f('sentiment_score', 'FLOAT', 'NULLABLE', 'Sentiment −1..1 (null until scored)'),
      f('user_id', 'STRING', 'NULLABLE', 'User who logged it'),
      versioned,
    ],
    partitionBy: 'updated_at',
    clusterBy: ['tenant_id', 'contact_id'],
  },
};

/** Microsecond UTC text, so the watermark and insertId keep PostgreSQL's full precision. */
const ts = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * The next page of changed rows after the keyset ($1 updated_at, $2 id), up to the cut-off ($3),
 * $4 rows, as the tenant (RLS). Timestamps come as text with microseconds.
 */
export const EXPORT_SQL: Record<ExportSource, string> = {
  contacts: `SELECT id, tenant_id, status, lead_score, source, ${ts('created_at')} AS created_at, assigned_to,
       ${ts('last_contact_date')} AS last_contact_date, ${ts('updated_at')} AS updated_at
  FROM contacts
 WHERE (updated_at, id) > ($1::timestamptz, $2::uuid) AND updated_at <= $3::timestamptz
 ORDER BY updated_at, id LIMIT $4`,
  interactions: `SELECT id, tenant_id, contact_id, type, channel, direction, ${ts('created_at')} AS occurred_at,
       (sentiment->>'score')::float8 AS sentiment_score, user_id, ${ts('updated_at')} AS updated_at
  FROM interactions
 WHERE (updated_at, id) > ($1::timestamptz, $2::uuid) AND updated_at <= $3::timestamptz
 ORDER BY updated_at, id LIMIT $4`,
};

/** A database row as an insertAll row: insertId = id + updated_at, so a re-sent version is the same row to BigQuery. */
export function toExportRow(source: ExportSource, row: Record<string, unknown>): ExportRow {
  const json: ExportRow['json'] = {};
  for (const field of EXPORT_TABLES[source].fields) {
    const v = row[field.name];
    json[field.name] = v === undefined || v === null ? null : field.type === 'FLOAT' ? Number(v) : String(v);
  }
  return { insertId: `${String(row.id)}@${String(row.updated_at)}`, json };
}
