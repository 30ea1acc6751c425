/**
 * Regressions of QA round 3b (REST as an API user): the retrain's held-out set, imported statuses
 * the tables do not know, customers' lead scores and line breaks inside CSV cells.
 */
import { seedBlendFavouringLeads, testDbKinds } from '@crm/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRestHarness, type RestHarness } from './rest-test.fixture.ts';

const DAY = 86_400_000;

describe.each(testDbKinds())('QA round 3b regressions over REST on %s', { timeout: 300_000 }, (kind) => {
  let h: RestHarness;
  beforeAll(async () => {
    h = await openRestHarness(kind);
  }, 120_000);
  afterAll(() => h.close());

  it('a retrain after importing older history holds out the imported outcomes the active model never saw', async () => {
    const now = Date.now();
    await seedBlendFavouringLeads(h.t.db, h.a.tenantId, { now, n: 600, seed: 1 });
    const first = await h.call('admin', 'POST', '/api/v1/ai/lead-scoring/retrain');
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ status: 'activated', model: { version: 1 } });

    // history from the previous CRM: 200 outcomes closed a year before anything v1 learned from
    await seedBlendFavouringLeads(h.t.db, h.a.tenantId, { now: now - 400 * DAY, n: 200, seed: 2, offset: 600 });
    const second = await h.call('admin', 'POST', '/api/v1/ai/lead-scoring/retrain');
    expect(second.statusCode, second.body).toBe(200);
    const r = second.json();
    expect(r.reason).not.toMatch(/nothing unseen|stays active$/);
    expect(['activated', 'rejected']).toContain(r.status);
    expect(r.summary.labelled).toBe(800);
    expect(r.model).toMatchObject({ version: 2, decision: { comparedWith: 'v1' }, metrics: { holdoutRows: 200 } });
    expect(r.model.metrics.validation).toMatch(/on 600 outcomes v1 saw; held out the 200 recorded after it was trained$/);
    expect(r.model.decision.baselineHoldoutAuc).toEqual(expect.any(Number));
    expect(Date.parse(r.summary.seenUntil)).toBeGreaterThan(Date.parse(first.json().summary.seenUntil));

    // nothing recorded since v2 was stored (or v1 when v2 was rejected): nothing unseen now
    const third = await h.call('admin', 'POST', '/api/v1/ai/lead-scoring/retrain');
    expect(third.json()).toMatchObject({ status: r.status === 'activated' ? 'unchanged' : 'rejected' });
  });
});
