import { randomUUID } from 'node:crypto';
import { authorize } from '../auth/rbac.ts';
import type { Database } from '../db/database.ts';
import { AppError } from '../errors/app-error.ts';
import { parseOrThrow } from '../errors/zod-issues.ts';
import type { MailDelivery } from '../mail/email.service.ts';
import { placeForTenant } from '../tenants/tenant-settings.ts';
import type { Actor } from '../users/user.schema.ts';
import { REPORT_RECIPIENT_ROLES, SaveReportInput, type SavedReport } from './saved-report.schema.ts';

type Row = Record<string, unknown>;
const date = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string));

function toReport(r: Row): SavedReport {
  return {
    id: r.id as string,
    kind: r.kind as string,
    slotKey: r.slot_key as string,
    title: r.title as string,
    periodStart: date(r.period_start)!,
    periodEnd: date(r.period_end)!,
    body: r.body as string,
    data: (r.data as Record<string, unknown>) ?? {},
    createdBy: (r.created_by as string | null) ?? null,
    createdVia: (r.created_via as string | null) ?? null,
    recipients: (r.recipients as string[]) ?? [],
    emailedAt: date(r.emailed_at),
    createdAt: date(r.created_at)!,
  };
}

export interface SaveReportResult {
  report: SavedReport;
  /** True when this (kind, slot) was already saved: the stored one is returned, nothing new is written. */
  duplicate: boolean;
  /** Addresses mailed by this call (empty on a duplicate whose mail already went out). */
  emailed: string[];
}

/**
 * Reports kept for later (the weekly pipeline digest): one row per tenant, kind and slot, listable
 * afterwards. Saving with `emailManagers` mails the body to the tenant's active managers and admins
 * through the platform's mail transport, once per slot: the row's `emailed_at` is set after the
 * sends, and each message's idempotency key is the report and recipient, so a retry after a crash
 * between the two stores nothing twice in the mailbox.
 */
export function createSavedReportService(deps: { db: Database; delivery: () => MailDelivery }) {
  const { db } = deps;

  async function load(tenantId: string, kind: string, slotKey: string): Promise<SavedReport | undefined> {
    const [rows] = await db.readAsTenant(tenantId, [{ sql: 'SELECT * FROM saved_reports WHERE kind = $1 AND slot_key = $2', params: [kind, slotKey] }]);
    return rows[0] ? toReport(rows[0]) : undefined;
  }

  return {
    async save(actor: Actor, raw: unknown): Promise<SaveReportResult> {
      // whoever reads the team's reports may keep one; the mail goes only to the tenant's own managers
      authorize(actor, 'reports:read');
      const input = parseOrThrow(SaveReportInput, raw);
      const period = await placeForTenant(db, actor.tenantId, { start: input.periodStart, end: input.periodEnd }, ['end']);
      const [inserted] = await db.writeAsTenant(actor.tenantId, [
        {
          sql: `INSERT INTO saved_reports (id, tenant_id, kind, slot_key, title, period_start, period_end, body, data, created_by, created_via)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11) ON CONFLICT (tenant_id, kind, slot_key) DO NOTHING RETURNING *`,
          params: [randomUUID(), actor.tenantId, input.kind, input.slotKey, input.title, period.start, period.end, input.body, JSON.stringify(input.data), actor.userId, actor.via ?? null],
        },
      ]);
      const duplicate = inserted.length === 0;
      const report = duplicate ? (await load(actor.tenantId, input.kind, input.slotKey))! : toReport(inserted[0]);
      if (!input.emailManagers || report.emailedAt) return { report, duplicate, emailed: [] };
      const [people] = await db.readAsTenant(actor.tenantId, [
        { sql: 'SELECT email FROM users WHERE role = ANY($1::text[]) AND deactivated_at IS NULL ORDER BY email', params: [`{${REPORT_RECIPIENT_ROLES.join(',')}}`] },
      ]);
      const to = people.map((p) => p.email as string);
      const { mail, from } = deps.delivery();
      for (const address of to) {
        await mail.send({ tenantId: actor.tenantId, idempotencyKey: `saved-report:${report.id}:${address}`, from, to: address, subject: report.title, body: report.body });
      }
      const [updated] = await db.writeAsTenant(actor.tenantId, [
        { sql: 'UPDATE saved_reports SET emailed_at = now(), recipients = $2::jsonb WHERE id = $1 RETURNING *', params: [report.id, JSON.stringify(to)] },
      ]);
      return { report: toReport(updated[0]), duplicate, emailed: to };
    },

    async list(actor: Actor, options: { kind?: string; limit?: number } = {}): Promise<SavedReport[]> {
      authorize(actor, 'reports:read');
      const limit = Math.min(Math.max(options.limit ?? 20, 1), 100);
      const [rows] = await db.readAsTenant(actor.tenantId, [
        {
          sql: `SELECT * FROM saved_reports WHERE ($1::text IS NULL OR kind = $1) ORDER BY period_end DESC, created_at DESC LIMIT ${limit}`,
          params: [options.kind ?? null],
        },
      ]);
      return rows.map(toReport);
    },

    /** One page (newest period first) and the total, for REST and the CLI. */
    async page(actor: Actor, options: { kind?: string; limit: number; offset: number }): Promise<{ reports: SavedReport[]; total: number }> {
      authorize(actor, 'reports:read');
      const [rows, count] = await db.readAsTenant(actor.tenantId, [
        {
          sql: 'SELECT * FROM saved_reports WHERE ($1::text IS NULL OR kind = $1) ORDER BY period_end DESC, created_at DESC, id DESC LIMIT $2 OFFSET $3',
          params: [options.kind ?? null, options.limit, options.offset],
        },
        { sql: 'SELECT count(*)::int AS n FROM saved_reports WHERE ($1::text IS NULL OR kind = $1)', params: [options.kind ?? null] },
      ]);
      return { reports: rows.map(toReport), total: Number(count[0]?.n ?? 0) };
    },

    async get(actor: Actor, id: string): Promise<SavedReport> {
      authorize(actor, 'reports:read');
      const [rows] = /^[0-9a-f-]{36}$/i.test(id) ? await db.readAsTenant(actor.tenantId, [{ sql: 'SELECT * FROM saved_reports WHERE id = $1', params: [id] }]) : [[]];
      if (!rows[0]) throw AppError.notFound('saved report', id);
      return toReport(rows[0]);
    },
  };
}

export type SavedReportService = ReturnType<typeof createSavedReportService>;
