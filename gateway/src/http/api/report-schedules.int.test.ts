import { listMailbox } from '@crm/core';
import { testDbKinds } from '@crm/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactBody, openRestHarness, type RestHarness } from './rest-test.fixture.ts';

describe.each(testDbKinds())('REST /api/v1/reports/schedules on %s', (kind) => {
  let h: RestHarness;
  beforeAll(async () => {
    h = await openRestHarness(kind);
    for (let i = 0; i < 3; i++) expect((await h.call('manager', 'POST', '/api/v1/contacts', { ...contactBody(i), source: 'webinar' })).statusCode).toBe(201);
  });
  afterAll(() => h.close());

  const body = { name: 'Weekly activity', type: 'USER_ACTIVITY', schedule: { cron: '30 8 * * 1-5', timezone: 'America/New_York' }, recipients: ['lead@agency.test'] };

  it('creates, reads, changes, runs now (mailbox with PNG charts) and deletes; other tenants and reps see nothing', async () => {
    const created = await h.call('manager', 'POST', '/api/v1/reports/schedules', body);
    expect(created.statusCode, created.body).toBe(201);
    const s = created.json();
    expect(s).toMatchObject({ name: 'Weekly activity', type: 'USER_ACTIVITY', format: 'html', periodDays: 7, lastStatus: null });

    expect((await h.call('admin', 'GET', '/api/v1/reports/schedules')).json().data.map((x: { id: string }) => x.id)).toEqual([s.id]);
    expect((await h.call('admin', 'GET', '/api/v1/reports/schedules', undefined, {}, h.b)).json().data).toEqual([]);
    expect((await h.call('admin', 'GET', `/api/v1/reports/schedules/${s.id}`, undefined, {}, h.b)).statusCode).toBe(404);
    expect((await h.call('rep', 'GET', '/api/v1/reports/schedules')).statusCode).toBe(403);
    expect((await h.call('rep', 'POST', `/api/v1/reports/schedules/${s.id}/run`)).statusCode).toBe(403);

    const patched = await h.call('marketing', 'PATCH', `/api/v1/reports/schedules/${s.id}`, { periodDays: 30, recipients: ['lead@agency.test', 'ceo@agency.test'] });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ periodDays: 30, recipients: ['lead@agency.test', 'ceo@agency.test'], nextRunAt: s.nextRunAt });

    const run = await h.call('manager', 'POST', `/api/v1/reports/schedules/${s.id}/run`);
    expect(run.statusCode, run.body).toBe(200);
    expect(run.json()).toMatchObject({ scheduleId: s.id, status: 'succeeded', sent: 2 });
    const [mail] = await listMailbox(h.core.db, h.a.admin, { to: 'ceo@agency.test' });
    expect(mail.subject).toBe('Weekly activity');
    expect(mail.attachments.some((a) => a.contentType === 'image/png' && a.size > 1000)).toBe(true);
    expect((await h.call('manager', 'GET', `/api/v1/reports/schedules/${s.id}`)).json()).toMatchObject({ lastStatus: 'succeeded' });

    expect((await h.call('manager', 'DELETE', `/api/v1/reports/schedules/${s.id}`)).statusCode).toBe(204);
    expect((await h.call('manager', 'GET', `/api/v1/reports/schedules/${s.id}`)).statusCode).toBe(404);
  });

  it('refuses bad input with the error envelope naming each field', async () => {
    const res = await h.call('manager', 'POST', '/api/v1/reports/schedules', { ...body, schedule: { cron: '0 7 * *', timezone: 'UTC' }, recipients: ['nope'], extra: 1 });
    expect(res.statusCode).toBe(400);
    const err = res.json().error;
    expect(err.code).toBe('VALIDATION_FAILED');
    const paths = err.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(['body.schedule.cron', 'body.recipients.0', 'body.extra']);
    const tz = await h.call('manager', 'POST', '/api/v1/reports/schedules', { ...body, schedule: { cron: '0 7 * * *', timezone: 'Atlantis/Capital' } });
    expect(tz.statusCode).toBe(400);
    expect(tz.json().error.details).toEqual([expect.objectContaining({ path: 'body.schedule.timezone', reason: expect.stringMatching(/IANA/) })]);
    expect((await h.call('manager', 'GET', '/api/v1/reports/schedules/not-a-uuid')).statusCode).toBe(400);
    expect((await h.call('manager', 'GET', '/api/v1/reports/schedules')).json().data).toEqual([]);
  });
});
