import type { Readable } from 'node:stream';
import type { EntityManager } from '@mikro-orm/postgresql';
import { auditInsertFrom } from '../audit/audit.service.ts';
import { authorize } from '../auth/rbac.ts';
import { withCheckedCsv, type CheckedCsv } from '../csv/checked-spool.ts';
import { asUtf8 } from '../csv/csv-encoding.ts';
import { openContactRows, type ImportedContact } from '../csv/index.ts';
import { eventsInsertFrom } from '../outbox/outbox.writer.ts';
import type { Database } from '../db/database.ts';
import { inTenantTx } from '../db/tenant-tx.ts';
import { csvZoneOptions } from './csv-zone-options.ts';
import type { Actor } from '../users/user.schema.ts';
import type { ImportOptions, ImportReport } from './import.types.ts';
import { createBatchLanes } from './batch-lanes.ts';
import { finishReport, newReport, pushIssues, pushWarnings, toMappedColumns } from './import-report.ts';
import { timeOrderedIds } from './time-ordered-ids.ts';

interface PendingRow {
  row: number;
  value: ImportedContact;
}

/**
 * The status date after an import: the file's, else the stored one. Our export (like every
 * JavaScript date) has millisecond precision and the database microseconds, so the file's date
 * equal to the stored one to the millisecond keeps the stored one: a re-imported export is unchanged.
 */
const STATUS_DATE = `CASE WHEN x.status_changed_at = date_trunc('milliseconds', c.status_changed_at) THEN c.status_changed_at
  ELSE coalesce(x.status_changed_at, c.status_changed_at) END`;

const RECORD = `id uuid, email text, first_name text, last_name text, phone text, company text, position text,
  lead_score real, status text, source text, assigned_to uuid, custom_fields jsonb, metadata jsonb,
  last_contact_date timestamptz, created_at timestamptz, status_changed_at timestamptz`;

/** Generated columns (search text, duplicate keys of migration 0270): derived, so not part of an audit diff. */
const DERIVED_COLUMNS = "ARRAY['search_text', 'dup_name', 'dup_phone', 'dup_email', 'dup_company']";

/**
 * Upsert one batch by email in ONE statement: cells left empty never blank an existing value,
 * custom fields merge, and the audit rows (before/after) and outbox events are written by the same
 * statement's CTEs, so a batch lands whole or not at all and its JSON is parsed once.
 */
async function upsertBatch(em: EntityManager, actor: Actor, batch: PendingRow[], owners: Map<string, string>) {
  const ids = timeOrderedIds(batch.length);
  const records = batch.map(({ value: v }, i) => ({
    id: ids[i],
    email: v.input.email,
    first_name: v.input.firstName,
    last_name: v.input.lastName,
    phone: v.input.phone ?? null,
    company: v.input.company ?? null,
    position: v.input.position ?? null,
    lead_score: v.input.leadScore ?? null,
    status: v.status ?? v.input.status ?? null,
    source: v.input.source ?? null,
    assigned_to: (v.ownerEmail && owners.get(v.ownerEmail)) ?? v.input.assignedTo ?? null,
    custom_fields: v.input.customFields ?? {},
    metadata: v.input.metadata ?? {},
    last_contact_date: v.lastContactDate ?? null,
    created_at: v.createdAt ?? null,
    status_changed_at: v.statusChangedAt ?? null,
  }));
  // Audit rows and events come from the one audit writer and the one outbox writer, as CTEs of this
  // statement: the before/after images exist only inside it (no second trip for every row's diff).
  const audit = auditInsertFrom(actor, 'audit_rows');
  const events = eventsInsertFrom(actor, 'event_rows');
  const rows = await em.execute<{ id: string; inserted: boolean }[]>(
    `WITH x AS (SELECT * FROM jsonb_to_recordset(?::jsonb) AS r(${RECORD})),
     old AS (SELECT c.* FROM contacts c JOIN x ON c.email = x.email),
     upd AS (
       -- lead_score is not updated: lead scoring computes it, so a file's score (HubSpot Score) only
       -- seeds a new contact; overwriting a scored one made every re-import of the file an update
       UPDATE contacts c SET first_name = x.first_name, last_name = x.last_name,
         phone = coalesce(x.phone, c.phone), company = coalesce(x.company, c.company), position = coalesce(x.position, c.position),
         status = coalesce(x.status, c.status), source = coalesce(x.source, c.source),
         assigned_to = coalesce(x.assigned_to, c.assigned_to), custom_fields = c.custom_fields || x.custom_fields,
         metadata = c.metadata || x.metadata, last_contact_date = greatest(c.last_contact_date, x.last_contact_date),
         -- a date given for the (resulting) status dates it; without one the trigger of 0230 decides
         status_changed_at = ${STATUS_DATE}, updated_at = now()
       FROM x WHERE c.email = x.email
         -- a row that would change nothing writes nothing (no update, audit row or event)
         AND (x.first_name, x.last_name, coalesce(x.phone, c.phone), coalesce(x.company, c.company), coalesce(x.position, c.position),
              coalesce(x.status, c.status), coalesce(x.source, c.source),
              coalesce(x.assigned_to, c.assigned_to), c.custom_fields || x.custom_fields, c.metadata || x.metadata,
              greatest(c.last_contact_date, x.last_contact_date), ${STATUS_DATE})
             IS DISTINCT FROM
             (c.first_name, c.last_name, c.phone, c.company, c.position, c.status, c.source, c.assigned_to,
              c.custom_fields, c.metadata, c.last_contact_date, c.status_changed_at)
       RETURNING c.*),
     ins AS (
       INSERT INTO contacts (id, tenant_id, email, first_name, last_name, phone, company, position, lead_score, status, source,
         assigned_to, custom_fields, metadata, last_contact_date, created_at, status_changed_at, updated_at)
       SELECT x.id, ?, x.email, x.first_name, x.last_name, x.phone, x.company, x.position, coalesce(x.lead_score, 0),
         coalesce(x.status, 'LEAD'), coalesce(x.source, 'import'), x.assigned_to, x.custom_fields, x.metadata,
         x.last_contact_date, coalesce(x.created_at, now()), x.status_changed_at, now()
       FROM x WHERE NOT EXISTS (SELECT 1 FROM old WHERE old.email = x.email)
       RETURNING *),
     changed AS (
       SELECT upd.id, upd.email, false AS inserted, to_jsonb(old) - ${DERIVED_COLUMNS} AS before, to_jsonb(upd) - ${DERIVED_COLUMNS} AS after
         FROM upd JOIN old ON old.id = upd.id
       UNION ALL SELECT ins.id, ins.email, true, NULL, to_jsonb(ins) - ${DERIVED_COLUMNS} FROM ins),
     audit_rows AS (
       SELECT CASE WHEN inserted THEN 'contact.imported' ELSE 'contact.import_updated' END AS action, 'contact' AS entity_type,
         id AS entity_id, jsonb_strip_nulls(jsonb_build_object('before', before, 'after', after)) AS diff FROM changed),
     aud AS (${audit.sql}),
     event_rows AS (
       SELECT CASE WHEN inserted THEN 'contact.created' ELSE 'contact.updated' END AS type, 'contact' AS aggregate_type,
         id AS aggregate_id, jsonb_build_object('contactId', id, 'email', email, 'source', 'import') AS payload FROM changed),
     ev AS (${events.sql})
     SELECT id, inserted FROM changed`,
    [JSON.stringify(records), actor.tenantId, ...audit.params, ...events.params],
  );
  const outcome = rows;
  const created = outcome.filter((o) => o.inserted).length;
  const updated = outcome.length - created;
  return { created, updated, unchanged: batch.length - created - updated };
}

/**
 * A bulk load changes the table's shape faster than autovacuum notices (and PGlite has no
 * autovacuum at all): refresh planner statistics so searches right after an import use the
 * trigram and tenant indexes instead of scanning. `vacuum` also sets the visibility map of the new
 * pages (VACUUM skips pages already all-visible and, with INDEX_CLEANUP OFF, the indexes), so
 * counts can run as index-only scans (migration 0290). Needs the owner connection; best effort.
 */
export async function refreshStatistics(db: Database, changedRows: number, tables = ['contacts'], opts: { vacuum?: boolean } = {}): Promise<void> {
  if (changedRows < 2000) return;
  const client = await db.connect().catch(() => undefined);
  if (!client) return;
  try {
    for (const t of tables) await client.query(opts.vacuum ? `VACUUM (ANALYZE, INDEX_CLEANUP OFF) ${t}` : `ANALYZE ${t}`);
  } catch {
    /* statistics are an optimisation; the import itself succeeded */
  } finally {
    client.release();
  }
}

/**
 * A server runs two batches side by side on separate backends (measured: 2 cores); PGlite runs one
 * statement at a time in this process, so one lane (parsing still overlaps the database).
 */
export function defaultLanes(db: Database): number {
  return db.kind === 'postgres' ? 2 : 1;
}

export function createContactImportService(db: Database) {
  async function importChecked(actor: Actor, checked: CheckedCsv, opts: ImportOptions): Promise<ImportReport> {
    const batchSize = opts.batchSize ?? 1000;
    const { mapping, delimiter, rows, ignoredColumns } = await openContactRows(checked.open(), await csvZoneOptions(db, actor, opts));
    const report = newReport('contacts', delimiter, toMappedColumns(mapping));
    const users = await inTenantTx(db, actor, (em) => em.execute<{ id: string; email: string }[]>('SELECT id, email FROM users'));
    const owners = new Map(users.map((u) => [u.email, u.id]));
    const userIds = new Set(users.map((u) => u.id));
    const lanes = createBatchLanes<PendingRow>({
      lanes: opts.lanes ?? defaultLanes(db),
      batchSize,
      key: (p) => p.value.input.email,
      flush: async (pending) => {
        const r = await inTenantTx(db, actor, (em) => upsertBatch(em, actor, pending, owners));
        report.created += r.created;
        report.updated += r.updated;
        report.unchanged += r.unchanged;
        opts.onProgress?.(report.rows);
      },
    });
    for await (const result of rows) {
      report.rows++;
      if (!result.ok) {
        pushIssues(report, result.row, result.issues, opts.maxErrors);
        continue;
      }
      const owner = result.value.ownerEmail;
      if (owner && !owners.has(owner)) {
        pushIssues(report, result.row, [{ path: 'ownerEmail', reason: `no user ${owner} in this tenant` }], opts.maxErrors);
        continue;
      }
      const assignee = result.value.input.assignedTo;
      if (assignee && !userIds.has(assignee)) {
        pushIssues(report, result.row, [{ path: 'assignedTo', reason: `no user ${assignee} in this tenant` }], opts.maxErrors);
        continue;
      }
      pushWarnings(report, result.warnings, opts.maxErrors);
      // the same email twice in one file: the later row wins, as documented
      if (await lanes.add({ row: result.row, value: result.value })) report.skipped++;
    }
    await lanes.finish();
    await refreshStatistics(db, report.created, ['contacts'], { vacuum: true });
    report.ignoredColumns = ignoredColumns();
    return finishReport(report);
  }

  return {
    /** Stream a contact CSV into the tenant: valid rows land (upsert by email), bad rows are reported. */
    async importContacts(actor: Actor, stream: Readable, opts: ImportOptions = {}): Promise<ImportReport> {
      authorize(actor, 'contacts:write');
      // the whole file passes the CSV reader's file-level checks before the first row is written
      return withCheckedCsv(stream, (checked) => importChecked(actor, checked, opts), {
        // read once the upload is saved: a form upload may send its charset after the file
        decode: (raw) => asUtf8(raw, opts.encoding),
      });
    },
  };
}
