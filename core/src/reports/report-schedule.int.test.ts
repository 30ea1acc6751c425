import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { silentLogger } from '../logger.ts';
import { createMailboxTransport, createSmtpTransport, listMailbox, mailboxAttachment } from '../mail/mail.transport.ts';
import { createTenantFixture, openTestDatabase, startSmtpSink, testDbKinds, type TenantFixture, type TestDatabase } from '../testing/index.ts';
import { createReportScheduleService, type ReportDelivery, type ReportScheduleService } from './report-schedule.service.ts';

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
// Monday 2026-06-01, 06:30 UTC = 08:30 in Berlin: this week's Monday-07:00-Berlin slot has passed.
const START = new Date('2026-06-01T06:30:00Z');
const NEXT_SLOT = new Date('2026-06-08T05:00:00Z');

describe.each(testDbKinds())('report schedules on %s', (kind) => {
  let t: TestDatabase;
  let core: CrmCore;
  let f: TenantFixture;
  let other: TenantFixture;
  let clock = START;
  let schedules: ReportScheduleService;
  let delivery: ReportDelivery;

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    core = createCrmCore({ db: t.db, logger: silentLogger(), knowledge: { indexInteractions: false } });
    f = await createTenantFixture(core);
    other = await createTenantFixture(core);
    for (const [i, source] of ['webinar', 'referral', 'webinar'].entries()) {
      await core.contacts.create(f.admin, { firstName: `Dana${i}`, lastName: 'Scully', email: `dana${i}@northwind.test`, source, status: i === 0 ? 'CUSTOMER' : 'LEAD' });
    }
    schedules = createReportScheduleService({ db: t.db, reports: core.reports, now: () => clock });
    delivery = { mail: createMailboxTransport(t.db), from: 'Reports <reports@crm.local>' };
  });
  afterAll(async () => {
    await core.outbox.stop();
    await t.drop();
  });

  const weekly = { name: 'Weekly pipeline', type: 'SALES_PIPELINE' as const, schedule: { cron: '0 7 * * 1', timezone: 'Europe/Berlin' }, recipients: ['owner@agency.test', 'partner@agency.test'] };

  it('refuses bad definitions with the field and the reason, and stores nothing', async () => {
    const bad = async (input: unknown) => {
      const err = await schedules.create(f.manager, input as never).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'VALIDATION_FAILED' });
      return (err as { details: { path: string; reason: string }[] }).details;
    };
    expect(await bad({ ...weekly, recipients: ['not-an-email'] })).toEqual([expect.objectContaining({ path: 'recipients.0', reason: expect.stringMatching(/email/) })]);
    expect(await bad({ ...weekly, recipients: [] })).toEqual([expect.objectContaining({ path: 'recipients', reason: expect.stringMatching(/at least one/) })]);
    expect(await bad({ ...weekly, type: 'REVENUE' })).toEqual([expect.objectContaining({ path: 'type' })]);
    expect(await bad({ ...weekly, schedule: { cron: 'every monday', timezone: 'UTC' } })).toEqual([expect.objectContaining({ path: 'schedule.cron' })]);
    expect(await bad({ ...weekly, schedule: { cron: '0 7 * * 1', timezone: 'Mars/Olympus' } })).toEqual([
      expect.objectContaining({ path: 'schedule.timezone', reason: expect.stringMatching(/not an IANA time zone/) }),
    ]);
    expect(await bad({ ...weekly, schedule: { cron: '99 7 * * 1', timezone: 'UTC' } })).toEqual([expect.objectContaining({ path: 'schedule.cron', reason: expect.stringMatching(/invalid cron/) })]);
    expect(await bad({ ...weekly, format: 'pdf' })).toEqual([expect.objectContaining({ path: 'format' })]);
    expect(await schedules.list(f.manager)).toEqual([]);
  });

  it('checks permissions: managers write, reps cannot read or write, and schedules are invisible to other tenants', async () => {
    await expect(schedules.create(f.rep, weekly)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    await expect(schedules.list(f.rep)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    const s = await schedules.create(f.manager, weekly);
    expect(s).toMatchObject({ name: 'Weekly pipeline', type: 'SALES_PIPELINE', format: 'html', periodDays: 7, enabled: true, createdBy: f.manager.userId, lastStatus: null });
    expect(s.nextRunAt).toEqual(NEXT_SLOT);
    await expect(schedules.create(f.marketing, weekly)).rejects.toMatchObject({ code: 'CONFLICT', details: [{ path: 'name' }] });
    expect(await schedules.list(other.admin)).toEqual([]);
    await expect(schedules.get(other.admin, s.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(schedules.remove(other.admin, s.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(schedules.update(other.admin, s.id, { enabled: false })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const audit = await core.audit.list(f.admin, { entityType: 'report_schedule', entityId: s.id });
    expect(audit.map((a) => a.action)).toContain('report_schedule.created');
  });

  it('updates with validation and recomputes the next slot when the schedule changes', async () => {
    const [s] = await schedules.list(f.manager);
    await expect(schedules.update(f.manager, s.id, { recipients: ['x'] })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'recipients.0' }] });
    const daily = await schedules.update(f.manager, s.id, { schedule: { cron: '0 9 * * *', timezone: 'UTC' } });
    expect(daily.nextRunAt).toEqual(new Date('2026-06-01T09:00:00Z'));
    const back = await schedules.update(f.manager, s.id, { schedule: weekly.schedule, periodDays: 14 });
    expect(back).toMatchObject({ periodDays: 14, nextRunAt: NEXT_SLOT });
  });

  it('is not due before its slot; at the slot two schedulers email it exactly once, HTML with PNG charts attached', async () => {
    const second = createReportScheduleService({ db: t.db, reports: core.reports, now: () => clock });
    clock = new Date(NEXT_SLOT.getTime() - 60_000);
    expect(await schedules.deliverDue(delivery)).toEqual([]);
    clock = new Date(NEXT_SLOT.getTime() + 30_000);
    const [a, b] = await Promise.all([schedules.deliverDue(delivery), second.deliverDue(delivery)]);
    const outcomes = [...a, ...b];
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({ status: 'succeeded', sent: 2 });
    // the same minute again: nothing more
    expect(await second.deliverDue(delivery)).toEqual([]);

    const mails = await listMailbox(t.db, f.admin, { to: 'owner@agency.test' });
    expect(mails).toHaveLength(1);
    const m = mails[0];
    expect(m.subject).toBe('Weekly pipeline');
    expect(m.from).toBe('Reports <reports@crm.local>');
    expect(m.body).toMatch(/Contacts in CUSTOMER/);
    expect(m.html).toMatch(/^<!doctype html>/);
    expect(m.html).toContain('src="cid:pipeline@report"');
    expect(m.html).not.toContain('<svg');
    const pngs = m.attachments.filter((x) => x.contentType === 'image/png');
    expect(pngs.map((p) => p.filename)).toContain('pipeline.png');
    expect(pngs.find((p) => p.filename === 'pipeline.png')).toMatchObject({ cid: 'pipeline@report' });
    expect(m.attachments.map((x) => x.filename)).toContain('sales-pipeline-metrics.csv');
    const png = await mailboxAttachment(t.db, f.admin, m.id, 'pipeline.png');
    expect(png!.content.subarray(0, 8)).toEqual(PNG_MAGIC);
    expect(await listMailbox(t.db, other.admin, {})).toEqual([]);

    const [s] = await schedules.list(f.manager);
    expect(s).toMatchObject({ lastStatus: 'succeeded', lastError: null, nextRunAt: new Date('2026-06-15T05:00:00Z') });
    expect(s.lastRunAt).not.toBeNull();
  });

  it('records a failed run with its reason, and run-now emails outside the schedule', async () => {
    const s = await schedules.create(f.admin, { name: 'Campaigns csv', type: 'CAMPAIGN_ANALYSIS', schedule: { cron: '*/5 * * * *', timezone: 'UTC' }, recipients: ['cmo@agency.test'], format: 'csv' });
    const failing: ReportDelivery = {
      from: 'r@crm.local',
      mail: {
        kind: 'smtp',
        send: async () => {
          throw new Error('connect ECONNREFUSED 127.0.0.1:2525');
        },
      },
    };
    clock = new Date(s.nextRunAt.getTime() + 1000);
    const outcomes = await schedules.deliverDue(failing);
    expect(outcomes).toEqual([expect.objectContaining({ scheduleId: s.id, status: 'failed', error: expect.stringMatching(/ECONNREFUSED/) })]);
    expect(await schedules.get(f.admin, s.id)).toMatchObject({ lastStatus: 'failed', lastError: expect.stringMatching(/ECONNREFUSED/) });

    await expect(schedules.runNow(f.rep, s.id, delivery)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    expect(await schedules.runNow(f.manager, s.id, delivery)).toMatchObject({ status: 'succeeded', sent: 1 });
    const [m] = await listMailbox(t.db, f.admin, { to: 'cmo@agency.test' });
    expect(m.html).toBeNull();
    expect(m.attachments.map((x) => x.filename)).toContain('campaign-analysis-metrics.csv');
    expect(await schedules.get(f.admin, s.id)).toMatchObject({ lastStatus: 'succeeded', lastError: null });

    await expect(schedules.remove(f.rep, s.id)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    expect(await schedules.remove(f.manager, s.id)).toEqual({ id: s.id, deleted: true });
    await expect(schedules.get(f.manager, s.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('a disabled schedule is never due', async () => {
    const [s] = await schedules.list(f.manager);
    await schedules.update(f.manager, s.id, { enabled: false });
    clock = new Date('2026-07-01T00:00:00Z');
    expect(await schedules.deliverDue(delivery)).toEqual([]);
  });

  it('claims a slot whose time has microseconds (written by SQL, not by a JS Date)', async () => {
    const s = await schedules.create(f.admin, { name: 'Micro', type: 'USER_ACTIVITY', schedule: { cron: '0 * * * *', timezone: 'UTC' }, recipients: ['micro@agency.test'] });
    await t.db.withTenant(f.tenantId, (em) => em.execute(`UPDATE report_schedules SET next_run_at = '2026-07-01T00:00:30.123456Z' WHERE id = ?`, [s.id]));
    clock = new Date('2026-07-01T00:01:00Z');
    expect(await schedules.deliverDue(delivery)).toEqual([expect.objectContaining({ scheduleId: s.id, status: 'succeeded', sent: 1 })]);
    expect(await schedules.deliverDue(delivery)).toEqual([]);
  });

  it('over real SMTP the mail is multipart: HTML referencing cid: images, PNG and CSV attachments', async () => {
    const smtp = await startSmtpSink();
    const { received } = smtp;
    const transport = createSmtpTransport(smtp.url);
    try {
      const s = await schedules.create(f.admin, { name: 'Over SMTP', type: 'SALES_PIPELINE', schedule: { cron: '0 6 * * *', timezone: 'UTC' }, recipients: ['smtp@agency.test'] });
      expect(await schedules.runNow(f.admin, s.id, { mail: transport, from: 'Reports <reports@crm.local>' })).toMatchObject({ status: 'succeeded', sent: 1 });
      expect(received).toHaveLength(1);
      const raw = received[0];
      expect(raw).toMatch(/Subject: Over SMTP/);
      expect(raw).toMatch(/Content-Type: multipart\/(mixed|related)/);
      expect(raw).toMatch(/Content-Type: text\/html/);
      expect(raw).toContain('cid:pipeline@report');
      expect(raw).toMatch(/Content-Type: image\/png; name=pipeline\.png/);
      expect(raw).toMatch(/Content-ID: <pipeline@report>/);
      expect(raw).toMatch(/filename=sales-pipeline-metrics\.csv/);
    } finally {
      transport.close();
      await smtp.close();
    }
  });
});
