/**
 * A tenant whose outcomes favour the blend of logistic regression and gradient-boosted trees:
 * the scheduled retrain picks it, the registry (migration 0190) stores it, and a new core on the same database
 * (a restart: no cached scorers) reloads it and scores every lead identically. Older
 * logistic-regression and tree rows stay valid and loadable beside it.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { silentLogger } from '../logger.ts';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '../testing/index.ts';
import { seedBlendFavouringLeads } from './blend-leads.fixture.ts';
import { RULES_SCORER } from './lead-explanation.ts';
import { trainLeadModel } from './lead-training.ts';
import { createScorer } from './ml/index.ts';
import { insertModelVersion } from './model-registry.ts';
import { startScoring } from './start-scoring.ts';
import { loadLabelled } from './scoring.repository.ts';

const logit = (p: number) => Math.log(p / (1 - p));
const sumOf = (r: { base: number; factors: { weight: number }[] }) => r.base + r.factors.reduce((s, f) => s + f.weight, 0);

describe.each(testDbKinds())('tenant blend model on %s', (kind) => {
  let t: TestDatabase;
  let core: CrmCore;
  let f: TenantFixture;
  const ids: string[] = [];
  const now = Date.now();

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    core = createCrmCore({ db: t.db, logger: silentLogger() });
    f = await createTenantFixture(core);
    ids.push(...(await seedBlendFavouringLeads(t.db, f.tenantId, { now })));
  }, 120_000);
  afterAll(async () => {
    await core.outbox.stop();
    await t.drop();
  });

  it('the widened check admits the three kinds and still refuses any other', async () => {
    const bad = t.db.withTenant(f.tenantId, (em) =>
      em.execute(
        `INSERT INTO scoring_models (id, tenant_id, version, status, model_kind, artifact, feature_config, training_summary, metrics)
         VALUES (?, ?, 99, 'rejected', 'random_forest', '{}', '{}', '{}', '{}')`,
        [randomUUID(), f.tenantId],
      ),
    );
    await expect(bad).rejects.toThrow(/scoring_models_model_kind_check/);
  });

  it('keeps logistic-regression and tree versions stored beside the blend loadable', async () => {
    const leads = await t.db.withTenant(f.tenantId, (em) => loadLabelled(em, now, 60));
    expect(leads.length).toBe(800);
    for (const only of ['logistic_regression', 'gradient_boosted_trees'] as const) {
      const r = await trainLeadModel(leads, { minPerClass: 30, baseline: RULES_SCORER, models: [only] });
      if (r.status !== 'trained') throw new Error(r.reason);
      expect(r.trained.modelKind).toBe(only);
      // stored as rejected, so the retrain below still compares with the rules
      const decision = { ...r.decision, activated: false, reason: 'stored by the test as an older kind' };
      await t.db.withTenant(f.tenantId, (em) => insertModelVersion(em, f.tenantId, { ...r, trainingSummary: r.summary, decision, createdBy: null }));
    }
  }, 120_000);

  it('migration 0190 applies over a database holding logistic-regression and tree rows, which still load', async () => {
    // Back to the schema before 0190 (only LR/GBT rows exist yet), then migrate as at start-up.
    const owner = await t.db.connect();
    try {
      await owner.query('ALTER TABLE scoring_models DROP CONSTRAINT scoring_models_model_kind_check');
      await owner.query("ALTER TABLE scoring_models ADD CONSTRAINT scoring_models_model_kind_check CHECK (model_kind IN ('logistic_regression','gradient_boosted_trees'))");
      await owner.query("DELETE FROM schema_migrations WHERE name = '0190_scoring_blend.sql'");
      await expect(owner.query("UPDATE scoring_models SET model_kind = 'blend' WHERE version = 1")).rejects.toThrow(/scoring_models_model_kind_check/);
    } finally {
      owner.release();
    }
    expect(await t.db.migrate()).toEqual(['0190_scoring_blend.sql']);
    for (const v of [1, 2]) {
      const old = (await core.scoring.modelVersion(f.rep, v))!;
      expect(old.modelKind).toBe(v === 1 ? 'logistic_regression' : 'gradient_boosted_trees');
      const p = createScorer(old.artifact).scoreRecord({}).probability;
      expect(p).toBeGreaterThan(0);
      expect(p).toBeLessThan(1);
    }
  });

  it('the scheduled retrain picks the blend, persists it, and a restarted core scores and explains identically', async () => {
    const jobs = startScoring(core, { retrainHours: 0 });
    const results = await jobs.retrainAll();
    jobs.stop();
    expect(results).toEqual([{ tenantId: f.tenantId, status: 'activated', reason: expect.stringMatching(/held-out AUC/) }]);
    const m = (await core.scoring.modelInfo(f.admin)).active!;
    expect(m).toMatchObject({ version: 3, status: 'active', modelKind: 'blend', metrics: { selection: { chosen: 'blend' } } });
    expect(m.metrics.candidates.map((c) => c.model)).toEqual(['logistic_regression', 'gradient_boosted_trees', 'blend']);

    const sample = ids.filter((_, k) => k % 40 === 0);
    const before = await Promise.all(sample.map((id) => core.scoring.scoreContact(f.rep, id)));
    for (const s of before) {
      expect(s).toMatchObject({ source: 'model', modelVersion: 3 });
      expect(sumOf(s)).toBeCloseTo(logit(s.probability), 9);
    }
    const explained = await core.scoring.explain(f.rep, sample[0]);
    // these are all closed contacts: scored as of their close, and the explanation says so first
    expect(explained.explanation).toMatch(/^(A customer|Inactive \(lost\)) since \d{4}-\d{2}-\d{2}: lead scoring applies to open leads.*\. Score \d+\/100 from model v3/);
    const whatIf = await core.scoring.whatIf(f.rep, sample[0], { actions: ['meeting'] });
    expect(whatIf.scenarios[0].action).toBe('meeting');

    // Restart: a new core on the same database has no cached scorer and reads the stored artifact.
    await core.outbox.stop();
    core = createCrmCore({ db: t.db, logger: silentLogger() });
    const after = await Promise.all(sample.map((id) => core.scoring.scoreContact(f.rep, id)));
    // Scores are taken as of now, and the lead's age moves on between the calls (by a weight of ~1e-21).
    const rounded = (s: (typeof before)[number]) => ({ ...s, asOf: null, probability: s.probability.toFixed(12), base: s.base.toFixed(12), factors: s.factors.map((x) => ({ ...x, weight: x.weight.toFixed(12) })) });
    for (let k = 0; k < sample.length; k++) {
      expect(after[k].score).toBe(before[k].score);
      expect(rounded(after[k])).toEqual(rounded(before[k]));
    }
    // The lead_score the old core's rescore stored is what the reloaded model gives.
    for (let k = 0; k < sample.length; k++) expect((await core.contacts.get(f.rep, sample[k])).leadScore).toBe(after[k].score);
    await expect(core.scoring.rescoreTenant(f.admin)).resolves.toMatchObject({ changed: 0 });
    expect((await core.scoring.whatIf(f.rep, sample[0], { actions: ['meeting'] })).scenarios).toEqual(whatIf.scenarios);

    const info = await core.scoring.modelInfo(f.rep);
    expect(info.active).toMatchObject({ version: 3, modelKind: 'blend' });
    expect(info.versions.map((v) => [v.version, v.status, v.modelKind])).toEqual([
      [3, 'active', 'blend'],
      [2, 'rejected', 'gradient_boosted_trees'],
      [1, 'rejected', 'logistic_regression'],
    ]);
    const stored = (await core.scoring.modelVersion(f.rep, 3))!.artifact;
    if (stored.model.kind !== 'blend') throw new Error(stored.model.kind);
    expect([stored.model.lr.model.kind, stored.model.gbt.model.kind]).toEqual(['logistic_regression', 'gradient_boosted_trees']);
    // The older kinds load and score too.
    for (const v of [1, 2]) {
      const old = (await core.scoring.modelVersion(f.rep, v))!;
      const p = createScorer(old.artifact).scoreRecord({}).probability;
      expect(p).toBeGreaterThan(0);
      expect(p).toBeLessThan(1);
    }
  }, 180_000);
});
