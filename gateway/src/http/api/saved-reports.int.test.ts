import { testDbKinds } from '@crm/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRestHarness, type RestHarness } from './rest-test.fixture.ts';

const week = (n: number) => ({
  kind: 'pipeline_digest',
  slotKey: `2026-W${String(10 + n).padStart(2, '0')}`,
  title: `Pipeline digest, week ${10 + n}`,
  periodStart: new Date(Date.UTC(2026, 2, 2 + 7 * n)).toISOString(),
  periodEnd: new Date(Date.UTC(2026, 2, 9 + 7 * n)).toISOString(),
  body: `New contacts: ${n}`,
  data: { newContacts: n },
});

describe.each(testDbKinds())('REST /api/v1/saved-reports on %s', (kind) => {
  let h: RestHarness;
  const ids: string[] = [];
  beforeAll(async () => {
    h = await openRestHarness(kind);
    for (let n = 0; n < 3; n++) ids.push((await h.core.savedReports.save(h.a.manager, { ...week(n), emailManagers: n === 2 })).report.id);
    await h.core.savedReports.save(h.a.manager, { ...week(0), kind: 'other_report', slotKey: 'x' });
  });
  afterAll(() => h.close());

  it('lists newest period first, paged, filtered by kind; gets one with its body and recipients', async () => {
    const first = await h.call('manager', 'GET', '/api/v1/saved-reports?kind=pipeline_digest&limit=2');
    expect(first.statusCode, first.body).toBe(200);
    const p1 = first.json();
    expect(p1.data.map((r: { id: string }) => r.id)).toEqual([ids[2], ids[1]]);
    expect(p1).toMatchObject({ pagination: { page: 1, limit: 2, totalPages: 2, hasNextPage: true, hasPreviousPage: false }, totalCount: 3, totalCountExact: true });
    const p2 = (await h.call('marketing', 'GET', '/api/v1/saved-reports?kind=pipeline_digest&limit=2&page=2')).json();
    expect(p2.data.map((r: { id: string }) => r.id)).toEqual([ids[0]]);
    expect(p2.pagination).toMatchObject({ page: 2, hasNextPage: false, hasPreviousPage: true });
    expect((await h.call('admin', 'GET', '/api/v1/saved-reports')).json().totalCount).toBe(4);

    const one = await h.call('admin', 'GET', `/api/v1/saved-reports/${ids[2]}`);
    expect(one.statusCode, one.body).toBe(200);
    expect(one.json()).toMatchObject({ id: ids[2], kind: 'pipeline_digest', title: 'Pipeline digest, week 12', body: 'New contacts: 2', data: { newContacts: 2 }, periodEnd: '2026-03-23T00:00:00.000Z' });
    expect(one.json().recipients.map((a: string) => a.split('@')[0]).sort()).toEqual(['admin', 'manager', 'marketing']);
    expect(one.json().emailedAt).toEqual(expect.any(String));
  });

  it('reps are denied, other tenants see nothing, bad input names the field', async () => {
    expect((await h.call('rep', 'GET', '/api/v1/saved-reports')).statusCode).toBe(403);
    expect((await h.call('admin', 'GET', '/api/v1/saved-reports', undefined, {}, h.b)).json()).toMatchObject({ data: [], totalCount: 0 });
    expect((await h.call('admin', 'GET', `/api/v1/saved-reports/${ids[0]}`, undefined, {}, h.b)).statusCode).toBe(404);
    const bad = await h.call('admin', 'GET', '/api/v1/saved-reports?limit=500');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details).toEqual([expect.objectContaining({ path: 'query.limit', reason: 'must be at most 100' })]);
    expect((await h.call('admin', 'GET', '/api/v1/saved-reports?kind=Not-Snake')).statusCode).toBe(400);
    expect((await h.call('admin', 'GET', '/api/v1/saved-reports/not-a-uuid')).statusCode).toBe(400);
  });

  it('is described in the OpenAPI document', async () => {
    const doc = (await h.call(null, 'GET', '/api/v1/openapi.json')).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/saved-reports', '/api/v1/saved-reports/{id}']));
    expect(doc.paths['/api/v1/saved-reports'].get.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['kind', 'page', 'limit']));
  });
});
