import { databaseOf } from '../db/database.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { seedDemoTenant } from '../demo/seed-demo.ts';
import { silentLogger } from '../logger.ts';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '../testing/index.ts';
import type { Actor } from '../users/user.schema.ts';
import { startScoring, type RunningScoring } from './start-scoring.ts';

const logit = (p: number) => Math.log(p / (1 - p));
const sumOf = (r: { base: number; factors: { weight: number }[] }) => r.base + r.factors.reduce((s, f) => s + f.weight, 0);

describe.each(testDbKinds())('lead scoring on %s', (kind) => {
  let t: TestDatabase;
  let core: CrmCore;
  let f: TenantFixture;
  let demo: Actor;
  let jobs: RunningScoring;

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    core = createCrmCore({ db: t.db, logger: silentLogger(), outbox: { pollMs: 50 } });
    f = await createTenantFixture(core);
    const seeded = await seedDemoTenant(core, { contacts: 600 });
    const admin = (await core.users.actorByEmail(seeded.users.find((u) => u.role === 'ADMIN')!.email, seeded.slug)) as Actor;
    demo = { tenantId: admin.tenantId, userId: admin.userId, role: admin.role };
    jobs = startScoring(core, { retrainHours: 0 });
  });
  afterAll(async () => {
    jobs.stop();
    await core.outbox.stop();
    await t.drop();
  });

  it('cold start: a tenant without outcomes is scored by the documented rules, in the same shape', async () => {
    const c = await core.contacts.create(f.manager, { firstName: 'Cole', lastName: 'Start', email: 'cole@acme-widgets.com', company: 'Acme Widgets', position: 'VP Marketing', source: 'referral' });
    await core.interactions.log(f.manager, { contactId: c.id, type: 'MEETING', channel: 'IN_PERSON', direction: 'INBOUND' });
    const r = await core.scoring.scoreContact(f.rep, c.id);
    expect(r).toMatchObject({ contactId: c.id, source: 'rules', explanationSource: 'rules', modelVersion: null });
    expect(r.confidence).toBeLessThanOrEqual(0.5);
    expect(r.factors.map((x) => x.name)).toContain('meetings_total');
    expect(sumOf(r)).toBeCloseTo(logit(r.probability), 6);
    expect(r.whatIf.map((w) => w.action).sort()).toEqual(['form_submission', 'inbound_reply', 'meeting', 'phone_call', 'website_visit']);
    const retrain = await core.scoring.retrain(f.admin);
    expect(retrain.status).toBe('cold_start');
    expect(retrain.reason).toMatch(/at least 30 of each/);
    expect((await core.scoring.modelInfo(f.rep)).source).toBe('rules');
  });

  it('trains on the demo tenant (time-aware, held out), activates over the rules and switches to the model', async () => {
    const r = await core.scoring.retrain(demo, { rescore: true });
    expect(r.status).toBe('activated');
    expect(r.summary.positives).toBeGreaterThanOrEqual(30);
    expect(r.summary.customFields).toEqual(expect.arrayContaining(['budget', 'industry']));
    const m = r.model!;
    expect(m).toMatchObject({ version: 1, status: 'active', decision: { activated: true, comparedWith: 'rules' } });
    // the demo is seeded at the current clock time: over sampled times CV AUC ranged 0.77-0.86 and
    // hold-out 0.80-0.87 at 600 contacts, so the bar is "clearly better than chance", not a tuned figure
    expect(m.metrics.cvAuc!).toBeGreaterThan(0.65);
    expect(m.metrics.holdoutAuc!).toBeGreaterThan(0.65);
    // The model kind was chosen by inner CV on the training outcomes, and the metrics say why.
    expect(m.metrics.selection?.chosen).toBe(m.modelKind);
    expect(m.metrics.selection?.reason).toContain(m.modelKind);
    expect(m.decision.reason).toMatch(/held-out AUC [0-9.]+ (beats rules|is not significantly below the generic rules)/);
    expect(m.metrics.calibration.length).toBe(10);
    expect(m.featureImportance.reduce((s, x) => s + x.importance, 0)).toBeCloseTo(1, 6);
    expect(r.rescored!.scored).toBe(600);
    expect(r.rescored!.source).toBe('model');

    const info = await core.scoring.modelInfo(demo);
    expect(info).toMatchObject({ source: 'model', active: { version: 1 } });
    const [lead] = (await core.contacts.list(demo, { status: 'PROSPECT', limit: 1, sort: 'leadScore' })).data;
    const s = await core.scoring.scoreContact(demo, lead.id);
    expect(s).toMatchObject({ source: 'model', modelVersion: 1 });
    expect(s.score).toBe(lead.leadScore);
    expect(sumOf(s)).toBeCloseTo(logit(s.probability), 6);
    expect(s.factors.every((x) => ['HIGH', 'MEDIUM', 'LOW'].includes(x.impact))).toBe(true);
  });

  it('keeps the active model when nothing new has been seen since it was trained', async () => {
    const r = await core.scoring.retrain(demo);
    expect(r.status).toBe('unchanged');
    expect(r.reason).toMatch(/^0 outcome\(s\) recorded since model v1 .* v1 stays active$/);
    const info = await core.scoring.modelInfo(demo);
    expect(info.active!.version).toBe(1);
    expect(info.versions.map((v) => [v.version, v.status])).toEqual([[1, 'active']]);
    expect((await core.scoring.modelVersion(demo, 1))!.artifact.format).toBe('crm-lead-scoring-model');
  });

  it('explains with comparable leads and answers what-if by re-scoring', async () => {
    const [lead] = (await core.contacts.list(demo, { status: 'LEAD', limit: 1 })).data;
    const e = await core.scoring.explain(demo, lead.id);
    expect(e.explanation).toMatch(/^Score \d+\/100 from model v1/);
    expect(e.comparableLeads.length).toBe(5);
    expect(e.comparableLeads[0]).toMatch(/became a customer|lost/);
    const w = await core.scoring.whatIf(demo, lead.id, { actions: ['meeting', 'website_visit'], count: 2 });
    expect(w.scenarios.map((x) => x.action).sort()).toEqual(['meeting', 'website_visit']);
    expect(w.scenarios[0].delta).toBeGreaterThanOrEqual(w.scenarios[1].delta);
    await expect(core.scoring.whatIf(demo, lead.id, { actions: ['bribe'] })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('rescores on contact.created and interaction.logged: leadScore updated and lead_score.changed emitted', async () => {
    // The model is trained on a demo seeded at the current clock time, so its scores vary from run
    // to run: the test checks that each event stores the model's own score whenever it moved by at
    // least the change threshold, and emits one lead_score.changed per write.
    const threshold = core.scoring.config.changeThreshold;
    const c = await core.contacts.create(demo, { firstName: 'Eve', lastName: 'Vent', email: 'eve@bigco-example.com', company: 'BigCo', position: 'Chief Marketing Officer', source: 'referral' });
    let stored = 0;
    const writes: { from: number; to: number }[] = [];
    const check = async () => {
      await core.outbox.drain();
      const model = (await core.scoring.scoreContact(demo, c.id)).score;
      const now = (await core.contacts.get(demo, c.id)).leadScore;
      if (Math.abs(model - stored) >= threshold + 1) {
        // moved clearly beyond the threshold: written (±1: scored again a moment later than the event)
        expect(Math.abs(now - model)).toBeLessThanOrEqual(1);
      }
      if (now !== stored) {
        expect(Math.abs(now - stored)).toBeGreaterThanOrEqual(threshold);
        writes.push({ from: stored, to: now });
        stored = now;
      }
    };
    await check();
    for (let k = 0; k < 3; k++) {
      await core.interactions.log(demo, { contactId: c.id, type: 'MEETING', channel: 'IN_PERSON', direction: 'INBOUND', sentiment: { score: 0.8, confidence: 0.9 } });
      await check();
    }
    const events = await databaseOf(core.db).withTenant(demo.tenantId, (em) =>
      em.execute<{ payload: { from: number; to: number; source: string; modelVersion: number } }[]>(
        "SELECT payload FROM outbox_events WHERE type = 'lead_score.changed' AND aggregate_id = ? ORDER BY seq",
        [c.id],
      ),
    );
    // a CMO from a referral with three inbound meetings moves any trained model's score at least once
    expect(writes.length).toBeGreaterThanOrEqual(1);
    expect(events.map((e) => ({ from: e.payload.from, to: e.payload.to }))).toEqual(writes);
    expect(events.every((e) => e.payload.source === 'model' && e.payload.modelVersion === 1)).toBe(true);
  });

  it('batch-rescores a tenant set-wise and only writes changes beyond the threshold', async () => {
    const first = await core.scoring.rescoreTenant(demo);
    expect(first.scored).toBeGreaterThan(600);
    expect(first.changed).toBe(0);
    await expect(core.scoring.rescoreTenant({ ...demo, role: 'SALES_REP' as const })).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
  });

  it('keeps models to their tenant', async () => {
    expect((await core.scoring.modelInfo(f.admin)).versions).toEqual([]);
    const rows = await databaseOf(core.db).withTenant(f.tenantId, (em) => em.execute<{ n: string }[]>('SELECT count(*) AS n FROM scoring_models'));
    expect(Number(rows[0].n)).toBe(0);
  });
});
