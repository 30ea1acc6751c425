import { testDbKinds, databaseOf } from '@crm/core/testing';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failed, ok, openHarness, type Connected, type Harness } from '../testing/harness.ts';

const DAY = 86_400_000;

describe.each(testDbKinds())('reports over MCP on %s', (kind) => {
  let h: Harness;
  let manager: Connected;
  let rep: Connected;

  beforeAll(async () => {
    h = await openHarness(kind);
    for (const [i, source] of ['webinar', 'referral', 'webinar', 'ads'].entries()) {
      await h.core.contacts.create(h.f.admin, { firstName: `Mo${i}`, lastName: 'Report', email: `mo${i}@report.test`, source, status: i % 2 ? 'LEAD' : 'CUSTOMER' });
    }
    manager = await h.connect(h.f.manager, { server: 'insights' });
    rep = await h.connect(h.f.rep, { server: 'insights' });
  });
  afterAll(() => h.close());

  it('list_saved_reports cuts a long text at 2,000 characters and leaves the figures to get_saved_report', async () => {
    const body = `${'Pipeline moved. '.repeat(400)}THE END`;
    const saved = ok<{ report: { id: string } }>(
      await manager.call('save_report', { kind: 'long_digest', slot_key: 'w1', title: 'Long', period: { start: '2026-11-23', end: '2026-11-30' }, body, data: { moved: 3 } }),
    );
    const listed = ok<{ reports: Record<string, unknown>[] }>(await manager.call('list_saved_reports', { kind: 'long_digest' }));
    expect(listed.reports[0].body).toBe(`${body.slice(0, 2000)}… [cut: get_saved_report {"id": "${saved.report.id}"} has the whole text]`);
    expect(listed.reports[0]).not.toHaveProperty('data');
    const whole = ok<{ body: string; data: { moved: number } }>(await manager.call('get_saved_report', { id: saved.report.id }));
    expect(whole).toMatchObject({ body, data: { moved: 3 } });
  });

  it('run_report returns narrative, metrics and chart specs, a crm://reports link, and the HTML when asked', async () => {
    const end = new Date();
    const res = await manager.call('run_report', { type: 'SALES_PIPELINE', date_range: { start: new Date(end.getTime() - 30 * DAY).toISOString(), end: end.toISOString() }, include_html: true });
    const out = ok<{ type: string; narrative: string; metrics: { name: string }[]; charts: { id: string; spec: { $schema?: string } }[]; resource_uri: string }>(res);
    expect(out.type).toBe('SALES_PIPELINE');
    expect(out.narrative).toMatch(/^Sales pipeline .*metrics for/);
    expect(out.metrics.map((m) => m.name)).toContain('Contacts in CUSTOMER');
    expect(out.charts.map((c) => c.id)).toContain('pipeline');
    expect(JSON.stringify(out.charts[0].spec)).toContain('vega-lite');
    expect(out.resource_uri).toBe('crm://reports/SALES_PIPELINE');
    const content = (res as CallToolResult).content;
    expect(content[0]).toMatchObject({ type: 'text' });
    expect(content[1]).toMatchObject({ type: 'resource_link', uri: 'crm://reports/SALES_PIPELINE', mimeType: 'text/html' });
    expect(content[2]).toMatchObject({ type: 'resource', resource: { mimeType: 'text/html', text: expect.stringContaining('<svg') } });

    const plain = await manager.call('run_report', { type: 'USER_ACTIVITY' });
    expect(plain.content.map((c) => c.type)).toEqual(['text', 'resource_link']);
    expect(failed(await manager.call('run_report', { type: 'REVENUE' }))).toMatchObject({ code: 'VALIDATION_FAILED', details: [expect.objectContaining({ path: 'type' })] });
    expect(failed(await manager.call('run_report', { type: 'SALES_PIPELINE', filters: [{ field: 'owner', value: 'x' }] }))).toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('lists the report resources and reads one as HTML; an unknown type is a clear error', async () => {
    const { resources } = await manager.client.listResources();
    const reports = resources.filter((r) => r.uri.startsWith('crm://reports/'));
    expect(reports.map((r) => r.uri)).toEqual(
      ['LEAD_PERFORMANCE', 'SALES_PIPELINE', 'CAMPAIGN_ANALYSIS', 'USER_ACTIVITY', 'CUSTOMER_SATISFACTION', 'FINANCIAL_METRICS'].map((t) => `crm://reports/${t}`),
    );
    const { resourceTemplates } = await manager.client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toContain('crm://reports/{type}');
    const read = await manager.client.readResource({ uri: 'crm://reports/campaign-analysis' });
    expect(read.contents[0]).toMatchObject({ mimeType: 'text/html' });
    expect((read.contents[0] as { text: string }).text).toMatch(/^<!doctype html>[\s\S]*Campaign analysis[\s\S]*<svg/);
    await expect(manager.client.readResource({ uri: 'crm://reports/REVENUE' })).rejects.toThrow(/Unknown report type "REVENUE"/);
  });

  it('creates, lists and deletes report schedules; reps are refused; bad input names the field', async () => {
    const created = ok<{ id: string; name: string; nextRunAt: string; recipients: string[] }>(
      await manager.call('create_report_schedule', { name: 'Monday pipeline', type: 'SALES_PIPELINE', schedule: { cron: '0 7 * * 1', timezone: 'Europe/Berlin' }, recipients: ['owner@agency.test'] }),
    );
    expect(created).toMatchObject({ name: 'Monday pipeline', recipients: ['owner@agency.test'] });
    expect(new Date(created.nextRunAt).getTime()).toBeGreaterThan(Date.now());
    expect(failed(await manager.call('create_report_schedule', { name: 'x', type: 'SALES_PIPELINE', schedule: { cron: '0 7 * * 1', timezone: 'Nowhere/City' }, recipients: ['a@b.test'] }))).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [expect.objectContaining({ path: 'schedule.timezone' })],
    });
    expect(failed(await manager.call('create_report_schedule', { name: 'x', type: 'SALES_PIPELINE', schedule: { cron: '0 7 * * 1' }, recipients: ['nope'] }))).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [expect.objectContaining({ path: 'recipients.0' })],
    });
    expect(failed(await rep.call('create_report_schedule', { name: 'mine', type: 'SALES_PIPELINE', schedule: { cron: '0 7 * * 1' }, recipients: ['a@b.test'] }))).toMatchObject({ code: 'PERMISSION_DENIED' });

    const paused = ok<{ enabled: boolean; periodDays: number; recipients: string[] }>(
      await manager.call('update_report_schedule', { id: created.id, enabled: false, period_days: 14, recipients: ['owner@agency.test', 'cfo@agency.test'] }),
    );
    expect(paused).toMatchObject({ enabled: false, periodDays: 14, recipients: ['owner@agency.test', 'cfo@agency.test'] });
    expect(failed(await manager.call('update_report_schedule', { id: created.id, schedule: { cron: '61 * * * *' } }))).toMatchObject({ code: 'VALIDATION_FAILED', details: [expect.objectContaining({ path: 'schedule.cron' })] });
    expect(failed(await rep.call('update_report_schedule', { id: created.id, enabled: true }))).toMatchObject({ code: 'PERMISSION_DENIED' });
    const listed = ok<{ schedules: { id: string; lastStatus: string | null }[] }>(await manager.call('list_report_schedules', {}));
    expect(listed.schedules).toEqual([expect.objectContaining({ id: created.id, lastStatus: null })]);
    // email it now: through the platform's transport (here the local mailbox), to every recipient
    expect(failed(await rep.call('run_report_schedule_now', { id: created.id }))).toMatchObject({ code: 'PERMISSION_DENIED' });
    expect(ok(await manager.call('run_report_schedule_now', { id: created.id }))).toMatchObject({ scheduleId: created.id, status: 'succeeded', sent: 2 });
    const mailed = await databaseOf(h.core.db).asWorker((c) => c.query<{ to_address: string }>("SELECT to_address FROM mailbox_messages WHERE subject LIKE 'Monday pipeline%' ORDER BY to_address"));
    expect(mailed.rows.map((r) => r.to_address)).toEqual(['cfo@agency.test', 'owner@agency.test']);
    expect(failed(await manager.call('run_report_schedule_now', { id: '00000000-0000-4000-8000-000000000000' }))).toMatchObject({ code: 'NOT_FOUND' });
    expect(failed(await rep.call('delete_report_schedule', { id: created.id }))).toMatchObject({ code: 'PERMISSION_DENIED' });
    expect(ok(await manager.call('delete_report_schedule', { id: created.id }))).toEqual({ id: created.id, deleted: true });
    expect(failed(await manager.call('delete_report_schedule', { id: created.id }))).toMatchObject({ code: 'NOT_FOUND' });
    expect(ok<{ schedules: unknown[] }>(await manager.call('list_report_schedules', {})).schedules).toEqual([]);
  });
});
