import { createHash, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { EntityManager } from '@mikro-orm/postgresql';
import { authorize } from '../auth/rbac.ts';
import { withCheckedCsv, type CheckedCsv } from '../csv/checked-spool.ts';
import { asUtf8 } from '../csv/csv-encoding.ts';
import { openInteractionRows, type ImportedInteraction } from '../csv/index.ts';
import { writeAuditRows } from '../audit/audit.service.ts';
import type { Database } from '../db/database.ts';
import { inTenantTx } from '../db/tenant-tx.ts';
import { writeEvents } from '../outbox/outbox.writer.ts';
import { csvZoneOptions } from './csv-zone-options.ts';
import type { Actor } from '../users/user.schema.ts';
import type { ImportOptions, ImportReport } from './import.types.ts';
import { createBatchLanes } from './batch-lanes.ts';
import { finishReport, newReport, pushIssues, toMappedColumns } from './import-report.ts';
import { refreshStatistics } from './contact-import.service.ts';

interface PendingRow {
  row: number;
  value: ImportedInteraction;
}

/** Same row, same fingerprint: re-importing an activity export is a no-op. */
function importKey(v: ImportedInteraction): string {
  const i = v.input;
  const at = i.occurredAt ? new Date(i.occurredAt as string | Date).toISOString() : '';
  return createHash('sha1').update([v.contactEmail, i.type, i.channel, i.direction, at, i.subject ?? '', i.content ?? ''].join('\u0001')).digest('hex');
}

async function insertBatch(em: EntityManager, actor: Actor, batch: PendingRow[], report: ImportReport, maxErrors?: number) {
  const emails = [...new Set(batch.map((b) => b.value.contactEmail))];
  const contacts = new Map(
    (await em.execute<{ id: string; email: string }[]>('SELECT id, email FROM contacts WHERE email IN (SELECT jsonb_array_elements_text(?::jsonb))', [JSON.stringify(emails)])).map((c) => [c.email, c.id]),
  );
  const records = [];
  for (const { row, value } of batch) {
    const contactId = contacts.get(value.contactEmail);
    if (!contactId) {
      pushIssues(report, row, [{ path: 'contactEmail', reason: `no contact with email ${value.contactEmail}; import contacts first` }], maxErrors);
      continue;
    }
    const i = value.input;
    records.push({
      id: randomUUID(),
      contact_id: contactId,
      type: i.type,
      channel: i.channel,
      subject: i.subject ?? null,
      content: i.content ?? '',
      direction: i.direction,
      duration: i.duration ?? null,
      outcome: i.outcome ?? null,
      scheduled_follow_up: i.scheduledFollowUp ?? null,
      attachments: i.attachments ?? [],
      sentiment: i.sentiment ?? null,
      tags: i.tags ?? [],
      metadata: { ...(i.metadata ?? {}), importKey: importKey(value) },
      created_at: i.occurredAt ?? new Date(),
    });
  }
  if (!records.length) return { created: 0, skipped: 0 };
  const inserted = await em.execute<{ id: string; contact_id: string; created_at: Date }[]>(
    `INSERT INTO interactions (id, tenant_id, contact_id, user_id, type, channel, subject, content, direction, duration, outcome,
       scheduled_follow_up, attachments, sentiment, tags, metadata, created_at)
     SELECT r.id, ?, r.contact_id, ?, r.type, r.channel, r.subject, r.content, r.direction, r.duration, r.outcome,
       r.scheduled_follow_up, r.attachments, r.sentiment, r.tags, r.metadata, r.created_at
     FROM jsonb_to_recordset(?::jsonb) AS r(id uuid, contact_id uuid, type text, channel text, subject text, content text,
       direction text, duration int, outcome text, scheduled_follow_up timestamptz, attachments jsonb, sentiment jsonb,
       tags jsonb, metadata jsonb, created_at timestamptz)
     ON CONFLICT (tenant_id, (metadata->>'importKey')) WHERE (metadata->>'importKey') IS NOT NULL DO NOTHING
     RETURNING id, contact_id, created_at`,
    [actor.tenantId, actor.userId, JSON.stringify(records)],
  );
  if (inserted.length) {
    await em.execute(
      `UPDATE contacts c SET last_contact_date = greatest(c.last_contact_date, m.at), updated_at = now()
       FROM (SELECT (e->>'contact_id')::uuid AS id, max((e->>'created_at')::timestamptz) AS at FROM jsonb_array_elements(?::jsonb) e GROUP BY 1) m
       WHERE c.id = m.id`,
      [JSON.stringify(inserted)],
    );
    // the one outbox writer and the one audit writer, set-wise as before
    await writeEvents(
      em,
      actor,
      inserted.map((r) => ({ type: 'interaction.logged' as const, aggregate: { type: 'contact', id: r.contact_id }, payload: { interactionId: r.id, contactId: r.contact_id, source: 'import' } })),
    );
    await writeAuditRows(
      em,
      actor,
      inserted.map((r) => ({ action: 'interaction.imported', entityType: 'interaction', entityId: r.id, diff: { after: { id: r.id, contact_id: r.contact_id, created_at: r.created_at } } })),
    );
  }
  return { created: inserted.length, skipped: records.length - inserted.length };
}

export function createInteractionImportService(db: Database) {
  async function importChecked(actor: Actor, checked: CheckedCsv, opts: ImportOptions): Promise<ImportReport> {
    const batchSize = opts.batchSize ?? 1000;
    const { mapping, delimiter, rows, ignoredColumns } = await openInteractionRows(checked.open(), await csvZoneOptions(db, actor, opts));
    const report = newReport('interactions', delimiter, toMappedColumns(mapping));
    // one lane: a batch also moves its contacts' last_contact_date, and two lanes could lock the
    // same contacts in different orders; parsing still overlaps the database
    const lanes = createBatchLanes<PendingRow>({
      lanes: 1,
      batchSize,
      flush: async (pending) => {
        const r = await inTenantTx(db, actor, (em) => insertBatch(em, actor, pending, report, opts.maxErrors));
        report.created += r.created;
        report.skipped += r.skipped;
        opts.onProgress?.(report.rows);
      },
    });
    for await (const result of rows) {
      report.rows++;
      if (!result.ok) {
        pushIssues(report, result.row, result.issues, opts.maxErrors);
        continue;
      }
      await lanes.add({ row: result.row, value: result.value });
    }
    await lanes.finish();
    await refreshStatistics(db, report.created, ['interactions']);
    report.ignoredColumns = ignoredColumns();
    return finishReport(report);
  }

  return {
    async importInteractions(actor: Actor, stream: Readable, opts: ImportOptions = {}): Promise<ImportReport> {
      authorize(actor, 'interactions:write');
      // the whole file passes the CSV reader's file-level checks before the first row is written
      return withCheckedCsv(stream, (checked) => importChecked(actor, checked, opts), {
        // read once the upload is saved: a form upload may send its charset after the file
        decode: (raw) => asUtf8(raw, opts.encoding),
      });
    },
  };
}
