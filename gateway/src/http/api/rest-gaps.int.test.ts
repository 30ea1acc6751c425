import { createMailboxTransport, nextCronRun } from '@crm/core';
import { testDbKinds } from '@crm/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactBody, openRestHarness, type RestHarness } from './rest-test.fixture.ts';

type Page<T> = { data: T[]; pagination: { page: number; limit: number; totalPages: number; hasNextPage: boolean; hasPreviousPage: boolean }; totalCount: number; totalCountExact: boolean };
type Row = { id: string; contactId: string; type: string; direction: string; createdAt: string; userId: string };

// PNG signature + a few bytes: any binary with NUL and high bytes proves the route sends bytes, not JSON text
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0x10, 0x80]);

describe.each(testDbKinds())('REST triggers, interactions across contacts, mailbox on %s', (kind) => {
  let h: RestHarness;
  beforeAll(async () => {
    h = await openRestHarness(kind);
  });
  afterAll(() => h.close());

  describe('GET /interactions without contactId', () => {
    let repsContact: string;
    let managersContact: string;
    let movedContact: string;
    const ids: Record<string, string> = {};
    const log = async (who: 'manager' | 'rep', key: string, contactId: string, type: string, direction: string, occurredAt: string) => {
      const res = await h.call(who, 'POST', '/api/v1/interactions', { contactId, type, channel: type === 'EMAIL' ? 'EMAIL' : 'PHONE', direction, content: key, occurredAt });
      expect(res.statusCode, res.body).toBe(201);
      ids[key] = res.json().id;
    };

    beforeAll(async () => {
      const create = async (n: string, assignedTo: string) => (await h.call('manager', 'POST', '/api/v1/contacts', { ...contactBody(n), assignedTo })).json().id as string;
      repsContact = await create('reps', h.a.rep.userId!);
      managersContact = await create('managers', h.a.manager.userId!);
      movedContact = await create('moved', h.a.rep.userId!);
      await log('manager', 'm1', managersContact, 'EMAIL', 'INBOUND', '2024-03-01T10:00:00Z');
      await log('manager', 'm2', managersContact, 'PHONE_CALL', 'OUTBOUND', '2024-03-02T10:00:00Z');
      await log('manager', 'r1', repsContact, 'EMAIL', 'OUTBOUND', '2024-03-03T10:00:00Z');
      await log('rep', 'r2', repsContact, 'EMAIL', 'INBOUND', '2024-03-04T10:00:00Z');
      await log('rep', 'x1', movedContact, 'PHONE_CALL', 'OUTBOUND', '2024-03-05T10:00:00Z');
      await log('manager', 'x2', movedContact, 'EMAIL', 'OUTBOUND', '2024-03-06T10:00:00Z');
      // the rep's contact moves to the manager: the rep keeps seeing what they logged there, not the rest
      expect((await h.call('manager', 'PATCH', `/api/v1/contacts/${movedContact}`, { assignedTo: h.a.manager.userId })).statusCode).toBe(200);
      // another tenant's interaction never shows
      const other = (await h.call('admin', 'POST', '/api/v1/contacts', contactBody('b'), {}, h.b)).json().id as string;
      await h.call('admin', 'POST', '/api/v1/interactions', { contactId: other, type: 'EMAIL', channel: 'EMAIL', direction: 'INBOUND', occurredAt: '2024-03-03T12:00:00Z' }, {}, h.b);
    });

    const list = async (who: 'manager' | 'rep' | 'admin' | 'marketing', query: string) => {
      const res = await h.call(who, 'GET', `/api/v1/interactions?${query}`);
      expect(res.statusCode, res.body).toBe(200);
      return res.json() as Page<Row>;
    };
    const window = 'from=2024-03-01T00:00:00Z&to=2024-04-01T00:00:00Z';

    it('lists the whole tenant newest first, with exact counts and pages', async () => {
      const all = await list('manager', `${window}&limit=4`);
      expect(all.data.map((i) => i.id)).toEqual([ids.x2, ids.x1, ids.r2, ids.r1]);
      expect(all).toMatchObject({ totalCount: 6, totalCountExact: true, pagination: { page: 1, limit: 4, totalPages: 2, hasNextPage: true, hasPreviousPage: false } });
      const page2 = await list('manager', `${window}&limit=4&page=2`);
      expect(page2.data.map((i) => i.id)).toEqual([ids.m2, ids.m1]);
      expect(page2.pagination).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    });

    it('filters by type, direction, from/to, owner and logger', async () => {
      expect((await list('manager', `${window}&type=EMAIL&direction=OUTBOUND`)).data.map((i) => i.id)).toEqual([ids.x2, ids.r1]);
      expect((await list('manager', 'from=2024-03-02T10:00:00Z&to=2024-03-04T10:00:00Z')).data.map((i) => i.id)).toEqual([ids.r1, ids.m2]);
      expect((await list('manager', `${window}&ownerId=${h.a.rep.userId}`)).data.map((i) => i.id)).toEqual([ids.r2, ids.r1]);
      expect((await list('manager', `${window}&userId=${h.a.rep.userId}`)).data.map((i) => i.id)).toEqual([ids.x1, ids.r2]);
      expect((await list('manager', `${window}&contactId=${managersContact}`)).data.map((i) => i.id)).toEqual([ids.m2, ids.m1]);
    });

    it("a sales rep sees their own contacts' interactions and the ones they logged, nothing else", async () => {
      const mine = await list('rep', window);
      expect(mine.data.map((i) => i.id)).toEqual([ids.x1, ids.r2, ids.r1]);
      expect(mine.totalCount).toBe(3);
      expect((await list('rep', `${window}&ownerId=${h.a.manager.userId}`)).data.map((i) => i.id)).toEqual([ids.x1]);
      const denied = await h.call('marketing', 'GET', '/api/v1/interactions');
      expect(denied.statusCode).toBe(403);
      expect(denied.json().error.code).toBe('PERMISSION_DENIED');
    });

    it('refuses bad filters with the field and reason', async () => {
      const cases: [string, string][] = [
        ['limit=101', 'query.limit'],
        ['direction=SIDEWAYS', 'query.direction'],
        ['from=2024-02-30', 'query.from'],
        ['from=2024-03-02T00:00:00Z&to=2024-03-01T00:00:00Z', 'query.to'],
        ['ownerId=nobody', 'query.ownerId'],
        ['colour=red', 'query.colour'],
      ];
      for (const [q, path] of cases) {
        const res = await h.call('manager', 'GET', `/api/v1/interactions?${q}`);
        expect(res.statusCode, q).toBe(400);
        expect(res.json().error.details.map((d: { path: string }) => d.path), q).toContain(path);
      }
      const unknown = await h.call('manager', 'GET', '/api/v1/interactions?contactId=00000000-0000-4000-8000-000000000000');
      expect(unknown.statusCode).toBe(404);
    });
  });

  describe('GET /triggers', () => {
    let cronWf: string;
    let eventWf: string;
    let hookWf: string;
    let inactiveWf: string;
    beforeAll(async () => {
      const create = async (name: string, trigger: Record<string, unknown>, isActive = true) => {
        const res = await h.call('marketing', 'POST', '/api/v1/workflows', {
          name,
          isActive,
          trigger,
          steps: [{ id: 'task', name: 'Call', type: 'CREATE_TASK', config: { title: 'Call' } }],
        });
        expect(res.statusCode, res.body).toBe(201);
        return res.json().id as string;
      };
      cronWf = await create('Monday digest', { type: 'TIME_BASED', schedule: { cron: '0 9 * * 1', timezone: 'UTC' } });
      eventWf = await create('Hot lead', { type: 'LEAD_SCORE_CHANGED', conditions: [{ field: 'contact.leadScore', operator: 'gte', value: 80 }] });
      hookWf = await create('Form', { type: 'WEBHOOK' });
      inactiveWf = await create('Paused', { type: 'CONTACT_CREATED' }, false);
    });

    it("lists the active workflows' triggers with conditions, schedule, next cron run and webhook path", async () => {
      const res = await h.call('manager', 'GET', '/api/v1/triggers');
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json() as Page<Record<string, unknown> & { workflowId: string }>;
      const byId = new Map(body.data.map((t) => [t.workflowId, t]));
      expect(byId.has(inactiveWf)).toBe(false);
      expect(byId.get(eventWf)).toMatchObject({
        name: 'Hot lead',
        version: 1,
        isActive: true,
        type: 'LEAD_SCORE_CHANGED',
        event: 'lead_score.changed',
        conditions: [{ field: 'contact.leadScore', operator: 'gte', value: 80 }],
        schedule: null,
        nextRunAt: null,
        webhookPath: null,
      });
      expect(byId.get(hookWf)).toMatchObject({ type: 'WEBHOOK', webhookPath: `/api/v1/workflows/${hookWf}/webhook`, event: null });
      const cron = byId.get(cronWf) as unknown as { schedule: unknown; nextRunAt: string; lastScheduledAt: string | null };
      expect(cron.schedule).toEqual({ cron: '0 9 * * 1', timezone: 'UTC' });
      expect(cron.lastScheduledAt).toBeNull();
      // the scheduler's slot: the first Monday 09:00 UTC after the workflow was created
      const created = new Date((await h.call('manager', 'GET', `/api/v1/workflows/${cronWf}`)).json().createdAt);
      const next = new Date(cron.nextRunAt);
      expect(next.toISOString()).toBe(nextCronRun('0 9 * * 1', 'UTC', created).toISOString());
      expect(next.getUTCDay()).toBe(1);
      expect(next.getUTCHours()).toBe(9);
      expect(next.getTime()).toBeGreaterThan(created.getTime());

      const scheduled = (await h.call('manager', 'GET', '/api/v1/triggers?type=TIME_BASED')).json() as Page<{ workflowId: string }>;
      expect(scheduled.data.map((t) => t.workflowId)).toEqual([cronWf]);
      const withInactive = (await h.call('manager', 'GET', '/api/v1/triggers?includeInactive=true&type=CONTACT_CREATED')).json() as Page<{ workflowId: string }>;
      expect(withInactive.data.map((t) => t.workflowId)).toEqual([inactiveWf]);
    });

    it('gets one workflow trigger; 404 for another tenant, 403 without workflows:read, 400 for a bad id', async () => {
      const one = await h.call('marketing', 'GET', `/api/v1/triggers/${inactiveWf}`);
      expect(one.statusCode).toBe(200);
      expect(one.json()).toMatchObject({ workflowId: inactiveWf, isActive: false, type: 'CONTACT_CREATED', event: 'contact.created' });
      expect((await h.call('admin', 'GET', `/api/v1/triggers/${cronWf}`, undefined, {}, h.b)).statusCode).toBe(404);
      expect((await h.call('admin', 'GET', '/api/v1/triggers', undefined, {}, h.b)).json().data).toEqual([]);
      const rep = await h.call('rep', 'GET', '/api/v1/triggers');
      expect(rep.statusCode).toBe(403);
      expect((await h.call('rep', 'GET', `/api/v1/triggers/${cronWf}`)).statusCode).toBe(403);
      const bad = await h.call('manager', 'GET', '/api/v1/triggers/not-a-uuid');
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.details[0].path).toBe('params.workflowId');
      expect((await h.call('manager', 'GET', '/api/v1/triggers?type=SOMETIMES')).statusCode).toBe(400);
    });
  });

  describe('GET /mailbox', () => {
    let id: string;
    beforeAll(async () => {
      const mailbox = createMailboxTransport(h.core.db);
      const bigHtml = `<html><body><h1>Weekly report</h1>${'<p>row</p>'.repeat(1000)}<img src="cid:chart1"></body></html>`;
      await mailbox.send({
        tenantId: h.a.tenantId,
        idempotencyKey: 'rest-gaps-report',
        from: 'crm@agency.test',
        to: 'ceo@agency.test',
        subject: 'Weekly report',
        body: 'See the HTML version.',
        html: bigHtml,
        attachments: [
          { filename: 'chart 1.png', contentType: 'image/png', content: PNG, cid: 'chart1' },
          { filename: 'report.csv', contentType: 'text/csv', content: Buffer.from('metric,value\nleads,3\n') },
        ],
      });
      await mailbox.send({
        tenantId: h.a.tenantId,
        idempotencyKey: 'rest-gaps-odd',
        from: 'crm@agency.test',
        to: 'odd@agency.test',
        subject: 'Odd names',
        body: 'x',
        attachments: [{ filename: "it's (final).txt", contentType: 'text/plain\r\nX-Injected: 1', content: Buffer.from('final') }],
      });
      await mailbox.send({ tenantId: h.b.tenantId, idempotencyKey: 'other-tenant', from: 'crm@b.test', to: 'ceo@agency.test', subject: 'B only', body: 'b' });
      const list = await h.call('manager', 'GET', '/api/v1/mailbox?to=ceo@agency.test');
      expect(list.statusCode, list.body).toBe(200);
      id = list.json().data[0].id;
    });

    it('lists messages with a cut HTML and attachment metadata, never the bytes', async () => {
      const res = await h.call('marketing', 'GET', '/api/v1/mailbox?to=ceo@agency.test&limit=5');
      const [m, ...rest] = res.json().data;
      expect(rest).toEqual([]); // tenant B's mail to the same address is not here
      expect(m).toMatchObject({ subject: 'Weekly report', body: 'See the HTML version.', htmlTruncated: true });
      expect(m.html).toHaveLength(4000);
      expect(m.attachments).toEqual([
        { filename: 'chart 1.png', contentType: 'image/png', cid: 'chart1', size: PNG.length, url: `/api/v1/mailbox/${id}/attachments/chart%201.png` },
        { filename: 'report.csv', contentType: 'text/csv', cid: null, size: 21, url: `/api/v1/mailbox/${id}/attachments/report.csv` },
      ]);
      expect(res.body.length).toBeLessThan(8000);
    });

    it('gets a message with its whole HTML and serves an attachment as bytes with its type', async () => {
      const full = (await h.call('manager', 'GET', `/api/v1/mailbox/${id}`)).json();
      expect(full.htmlTruncated).toBe(false);
      expect(full.html).toMatch(/^<html>.*<img src="cid:chart1"><\/body><\/html>$/s);
      const png = await h.call('manager', 'GET', full.attachments[0].url);
      expect(png.statusCode).toBe(200);
      expect(png.headers['content-type']).toBe('image/png');
      expect(png.headers['content-disposition']).toBe("attachment; filename*=UTF-8''chart%201.png");
      expect(png.rawPayload.equals(PNG)).toBe(true);
      const csv = await h.call('manager', 'GET', `/api/v1/mailbox/${id}/attachments/report.csv`);
      expect(csv.headers['content-type']).toMatch(/^text\/csv/);
      expect(csv.body).toBe('metric,value\nleads,3\n');
    });

    it('a stored content type that is not a MIME type is sent as octet-stream; the filename is RFC 5987-encoded', async () => {
      const [odd] = (await h.call('manager', 'GET', '/api/v1/mailbox?to=odd@agency.test')).json().data;
      const res = await h.call('manager', 'GET', odd.attachments[0].url);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/octet-stream');
      expect(res.headers['x-injected']).toBeUndefined();
      expect(res.headers['content-disposition']).toBe("attachment; filename*=UTF-8''it%27s%20%28final%29.txt");
      expect(res.body).toBe('final');
    });

    it('404 for an unknown attachment or another tenant, 403 for a sales rep, 400 for limit > 100', async () => {
      expect((await h.call('manager', 'GET', `/api/v1/mailbox/${id}/attachments/nope.pdf`)).json().error.code).toBe('NOT_FOUND');
      expect((await h.call('admin', 'GET', `/api/v1/mailbox/${id}`, undefined, {}, h.b)).statusCode).toBe(404);
      expect((await h.call('admin', 'GET', `/api/v1/mailbox/${id}/attachments/report.csv`, undefined, {}, h.b)).statusCode).toBe(404);
      expect((await h.call('rep', 'GET', '/api/v1/mailbox')).statusCode).toBe(403);
      expect((await h.call('manager', 'GET', '/api/v1/mailbox?limit=101')).json().error.details).toEqual([{ path: 'query.limit', reason: 'must be at most 100' }]);
    });
  });

  it('the OpenAPI document has the new routes and the inbound webhook', async () => {
    const doc = (await h.call(null, 'GET', '/api/v1/openapi.json')).json();
    for (const [path, method] of [
      ['/api/v1/triggers', 'get'],
      ['/api/v1/triggers/{workflowId}', 'get'],
      ['/api/v1/interactions', 'get'],
      ['/api/v1/mailbox', 'get'],
      ['/api/v1/mailbox/{id}', 'get'],
      ['/api/v1/mailbox/{id}/attachments/{filename}', 'get'],
    ]) {
      expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    }
    const hook = doc.paths['/api/v1/workflows/{id}/webhook'].post;
    expect(hook.security).toEqual([]);
    expect(hook.parameters.map((p: { name: string }) => p.name)).toEqual(['id', 'x-crm-timestamp', 'x-crm-signature']);
    expect(Object.keys(hook.responses)).toEqual(['202', '4XX', '5XX']);
    expect(doc.paths['/api/v1/interactions'].get.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['type', 'direction', 'from', 'to', 'ownerId', 'contactId', 'page', 'limit']),
    );
  });
});
