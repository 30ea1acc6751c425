import { randomUUID } from 'node:crypto';
import { diffRecords, writeAudit } from '../audit/audit.service.ts';
import { authorize } from '../auth/rbac.ts';
import type { Database } from '../db/database.ts';
import { isUniqueViolation } from '../db/tenant-tx.ts';
import { AppError, type FieldIssue } from '../errors/app-error.ts';
import { parseOrThrow } from '../errors/zod-issues.ts';
import type { Logger } from '../logger.ts';
import type { MailTransport } from '../mail/mail.transport.ts';
import type { Actor, ActorRole } from '../users/user.schema.ts';
import { nextCronRun } from '../workflows/workflow-validation.ts';
import { addDays, localDate, startOfLocalDate } from '../tenants/local-day.ts';
import { reportAttachments, reportHtml } from './report.render.ts';
import type { ReportService } from './report.service.ts';
import { CreateReportScheduleInput, UpdateReportScheduleInput, type StoredReportSchedule } from './report-schedule.schema.ts';

/** Where scheduled reports go: the configured mail transport (mailbox table or SMTP) and From address. */
export interface ReportDelivery {
  mail: MailTransport;
  from: string;
}

export interface ReportRunOutcome {
  scheduleId: string;
  status: 'succeeded' | 'failed';
  sent: number;
  error?: string;
}

type Row = Record<string, unknown>;
const date = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string));

function toSchedule(r: Row): StoredReportSchedule {
  return {
    id: r.id as string,
    name: r.name as string,
    type: r.type as StoredReportSchedule['type'],
    filters: r.filters as StoredReportSchedule['filters'],
    periodDays: Number(r.period_days),
    schedule: { cron: r.cron as string, timezone: r.timezone as string },
    recipients: r.recipients as string[],
    format: r.format as StoredReportSchedule['format'],
    enabled: r.enabled as boolean,
    createdBy: r.created_by as string,
    nextRunAt: date(r.next_run_at)!,
    lastRunAt: date(r.last_run_at),
    lastStatus: (r.last_status as StoredReportSchedule['lastStatus']) ?? null,
    lastError: (r.last_error as string | null) ?? null,
    createdAt: date(r.created_at)!,
    updatedAt: date(r.updated_at)!,
  };
}

/** The next slot of a cron in a time zone, or field errors naming what is wrong. */
export function nextReportRun(schedule: { cron: string; timezone: string }, from: Date): Date {
  const issues: FieldIssue[] = [];
  try {
    new Intl.DateTimeFormat('en', { timeZone: schedule.timezone });
  } catch {
    issues.push({ path: 'schedule.timezone', reason: `"${schedule.timezone}" is not an IANA time zone, e.g. "Europe/Berlin" or "UTC"` });
  }
  if (!issues.length) {
    try {
      return nextCronRun(schedule.cron, schedule.timezone, from);
    } catch (err) {
      issues.push({ path: 'schedule.cron', reason: `invalid cron expression: ${(err as Error).message}` });
    }
  }
  throw AppError.validation(issues);
}

/**
 * Stored report definitions (name, type, filters, period, cron schedule, recipients, format) and
 * their delivery. `deliverDue` is the once-a-minute job: a due schedule's slot is claimed by
 * compare-and-set on `next_run_at`, so of N schedulers exactly one emails it; the mail's
 * idempotency key is the slot, so a resend after a crash is stored/sent as the same message.
 */
const nameTaken = (name: string | undefined) =>
  new AppError('CONFLICT', `A report schedule named "${name}" already exists`, { details: [{ path: 'name', reason: 'already used by another schedule' }] });

export function createReportScheduleService(deps: { db: Database; reports: ReportService; logger?: Logger; now?: () => Date }) {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());

  async function load(actor: Actor, id: string): Promise<StoredReportSchedule> {
    const rows = /^[0-9a-f-]{36}$/i.test(id) ? await db.withTenant(actor.tenantId, (em) => em.execute<Row[]>('SELECT * FROM report_schedules WHERE id = ?', [id])) : [];
    if (!rows[0]) throw AppError.notFound('report schedule', id);
    return toSchedule(rows[0]);
  }

  /** The user a schedule runs as, with their current role (a demoted creator's scope shrinks with them). */
  async function ownerActor(tenantId: string, userId: string): Promise<Actor> {
    const rows = await db.withTenant(tenantId, (em) => em.execute<{ role: ActorRole }[]>('SELECT role FROM users WHERE id = ?', [userId]));
    if (!rows[0]) throw new AppError('NOT_FOUND', `the user ${userId} who created this schedule no longer exists`);
    return { tenantId, userId, role: rows[0].role };
  }

  async function send(s: StoredReportSchedule, tenantId: string, key: string, delivery: ReportDelivery, end: Date): Promise<number> {
    const actor = await ownerActor(tenantId, s.createdBy);
    // The period is the `periodDays` whole calendar days of the schedule's zone before the slot's day.
    const tz = s.schedule.timezone;
    const slotDay = localDate(end, tz);
    const period = { start: startOfLocalDate(addDays(slotDay, -s.periodDays), tz), end: startOfLocalDate(slotDay, tz) };
    const report = await deps.reports.run(actor, { name: s.name, type: s.type, filters: s.filters, dateRange: period });
    const files = reportAttachments(report).filter((a) => !a.filename.endsWith('.html'));
    const summary = [
      `${report.name} (${report.type}, ${localDate(period.start, tz)} – ${addDays(slotDay, -1)})`,
      '',
      ...report.metrics.slice(0, 20).map((m) => `- ${m.name}: ${m.unit === 'ratio' ? `${(m.value * 100).toFixed(1)}%` : m.value} (${m.trend})`),
      '',
      ...report.insights.map((i) => `* ${i.title}`),
      '',
      `Charts and the metrics CSV are attached. Schedule "${s.name}" (${s.schedule.cron}, ${s.schedule.timezone}).`,
    ].join('\n');
    for (const to of s.recipients) {
      await delivery.mail.send({
        tenantId,
        idempotencyKey: `report:${s.id}:${key}:${to}`,
        from: delivery.from,
        to,
        subject: report.name,
        body: summary,
        ...(s.format === 'html' ? { html: reportHtml(report, { charts: 'cid' }) } : {}),
        attachments: files,
      });
    }
    return s.recipients.length;
  }

  async function record(tenantId: string, id: string, outcome: { status: 'succeeded' | 'failed'; error?: string }, at: Date): Promise<void> {
    await db.asWorker((c) =>
      c.query('UPDATE report_schedules SET last_run_at = $3, last_status = $4, last_error = $5 WHERE id = $1 AND tenant_id = $2', [id, tenantId, at, outcome.status, outcome.error?.slice(0, 2000) ?? null]),
    );
  }

  async function runAndRecord(s: StoredReportSchedule, tenantId: string, key: string, delivery: ReportDelivery, end: Date): Promise<ReportRunOutcome> {
    try {
      const sent = await send(s, tenantId, key, delivery, end);
      await record(tenantId, s.id, { status: 'succeeded' }, now());
      return { scheduleId: s.id, status: 'succeeded', sent };
    } catch (err) {
      const error = (err as Error).message ?? String(err);
      deps.logger?.warn({ err, scheduleId: s.id, tenantId }, 'scheduled report failed');
      await record(tenantId, s.id, { status: 'failed', error }, now()).catch(() => {});
      return { scheduleId: s.id, status: 'failed', sent: 0, error };
    }
  }

  return {
    /**
     * What each write would refuse first, doing nothing: the approval queue asks before filing an
     * agent action, so a request that could never run is refused when filed, not when approved.
     */
    checks: {
      async create(actor: Actor, raw: CreateReportScheduleInput): Promise<void> {
        authorize(actor, 'reports:write');
        const input = parseOrThrow(CreateReportScheduleInput, raw);
        const taken = await db.withTenant(actor.tenantId, (em) => em.execute<{ id: string }[]>('SELECT id FROM report_schedules WHERE name = ?', [input.name]));
        if (taken.length) throw nameTaken(input.name);
      },
      async update(actor: Actor, id: string, raw: UpdateReportScheduleInput): Promise<void> {
        authorize(actor, 'reports:write');
        parseOrThrow(UpdateReportScheduleInput, raw);
        await load(actor, id);
      },
      async remove(actor: Actor, id: string): Promise<void> {
        authorize(actor, 'reports:write');
        await load(actor, id);
      },
      async runNow(actor: Actor, id: string): Promise<void> {
        authorize(actor, 'reports:write');
        await load(actor, id);
      },
    },

    async create(actor: Actor, raw: CreateReportScheduleInput): Promise<StoredReportSchedule> {
      authorize(actor, 'reports:write');
      const input = parseOrThrow(CreateReportScheduleInput, raw);
      const next = nextReportRun(input.schedule, now());
      const id = randomUUID();
      try {
        return await db.withTenant(actor.tenantId, async (em) => {
          const [row] = await em.execute<Row[]>(
            `INSERT INTO report_schedules (id, tenant_id, name, type, filters, period_days, cron, timezone, recipients, format, enabled, created_by, next_run_at)
             VALUES (?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?::jsonb, ?, ?, ?, ?) RETURNING *`,
            [id, actor.tenantId, input.name, input.type, JSON.stringify(input.filters), input.periodDays, input.schedule.cron, input.schedule.timezone, JSON.stringify(input.recipients), input.format, input.enabled, actor.onBehalfOf ?? actor.userId, next],
          );
          const created = toSchedule(row);
          await writeAudit(em, actor, 'report_schedule.created', 'report_schedule', id, diffRecords(null, { name: created.name, type: created.type, schedule: created.schedule, recipients: created.recipients, format: created.format }));
          return created;
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw nameTaken(input.name);
        throw err;
      }
    },

    async list(actor: Actor): Promise<StoredReportSchedule[]> {
      authorize(actor, 'reports:read');
      const rows = await db.withTenant(actor.tenantId, (em) => em.execute<Row[]>('SELECT * FROM report_schedules ORDER BY name, id LIMIT 500'));
      return rows.map(toSchedule);
    },

    async get(actor: Actor, id: string): Promise<StoredReportSchedule> {
      authorize(actor, 'reports:read');
      return load(actor, id);
    },

    async update(actor: Actor, id: string, raw: UpdateReportScheduleInput): Promise<StoredReportSchedule> {
      authorize(actor, 'reports:write');
      const patch = parseOrThrow(UpdateReportScheduleInput, raw);
      const before = await load(actor, id);
      const schedule = patch.schedule ?? before.schedule;
      const reschedule = patch.schedule !== undefined || (patch.enabled === true && !before.enabled);
      const next = reschedule ? nextReportRun(schedule, now()) : before.nextRunAt;
      try {
        return await db.withTenant(actor.tenantId, async (em) => {
          const [row] = await em.execute<Row[]>(
            `UPDATE report_schedules SET name = ?, filters = ?::jsonb, period_days = ?, cron = ?, timezone = ?, recipients = ?::jsonb, format = ?, enabled = ?, next_run_at = ?, updated_at = now()
             WHERE id = ? RETURNING *`,
            [patch.name ?? before.name, JSON.stringify(patch.filters ?? before.filters), patch.periodDays ?? before.periodDays, schedule.cron, schedule.timezone, JSON.stringify(patch.recipients ?? before.recipients), patch.format ?? before.format, patch.enabled ?? before.enabled, next, id],
          );
          if (!row) throw AppError.notFound('report schedule', id);
          const after = toSchedule(row);
          const pick = (s: StoredReportSchedule) => ({ name: s.name, filters: s.filters, periodDays: s.periodDays, schedule: s.schedule, recipients: s.recipients, format: s.format, enabled: s.enabled });
          await writeAudit(em, actor, 'report_schedule.updated', 'report_schedule', id, diffRecords(pick(before), pick(after)));
          return after;
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw nameTaken(patch.name);
        throw err;
      }
    },

    async remove(actor: Actor, id: string): Promise<{ id: string; deleted: true }> {
      authorize(actor, 'reports:write');
      const before = await load(actor, id);
      await db.withTenant(actor.tenantId, async (em) => {
        await em.execute('DELETE FROM report_schedules WHERE id = ?', [id]);
        await writeAudit(em, actor, 'report_schedule.deleted', 'report_schedule', id, diffRecords({ name: before.name, type: before.type, recipients: before.recipients }, null));
      });
      return { id, deleted: true };
    },

    /** Email one schedule's report now (outside its cron); the schedule's next slot is unchanged. */
    async runNow(actor: Actor, id: string, delivery: ReportDelivery): Promise<ReportRunOutcome> {
      authorize(actor, 'reports:write');
      const s = await load(actor, id);
      const at = now();
      await db.withTenant(actor.tenantId, (em) => writeAudit(em, actor, 'report_schedule.run_now', 'report_schedule', id, diffRecords(null, { name: s.name, recipients: s.recipients })));
      return runAndRecord(s, actor.tenantId, `manual:${randomUUID()}`, delivery, at);
    },

    /** The delivery job: email every due schedule of every tenant once per cron slot. */
    async deliverDue(delivery: ReportDelivery, at: Date = now()): Promise<ReportRunOutcome[]> {
      const due = await db.asWorker(async (c) => (await c.query<Row>('SELECT * FROM report_schedules WHERE enabled AND next_run_at <= $1 ORDER BY next_run_at LIMIT 200', [at])).rows);
      const outcomes: ReportRunOutcome[] = [];
      for (const row of due) {
        const s = toSchedule(row);
        const tenantId = row.tenant_id as string;
        // (a JS Date has milliseconds; a next_run_at written by SQL may have microseconds)
        const slot = s.nextRunAt;
        // missed slots (the process was down) collapse into one run now, then the next future slot
        const next = nextReportRun(s.schedule, at);
        const claimed = await db.asWorker((c) =>
          c.query(`UPDATE report_schedules SET next_run_at = $2, last_slot = $3, last_status = 'running', last_error = NULL WHERE id = $1 AND date_trunc('milliseconds', next_run_at) = $3 AND enabled`, [s.id, next, slot]),
        );
        if (claimed.rowCount !== 1) continue;
        outcomes.push(await runAndRecord(s, tenantId, slot.toISOString(), delivery, slot));
      }
      return outcomes;
    },
  };
}

export type ReportScheduleService = ReturnType<typeof createReportScheduleService>;
