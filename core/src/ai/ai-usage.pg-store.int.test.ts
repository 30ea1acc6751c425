import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { silentLogger } from '../logger.ts';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '../testing/index.ts';
import { AiCallGuard } from './ai-call-guard.ts';
import { PostgresAiUsageStore } from './ai-usage.pg-store.ts';
import type { AiUsage } from './ai-usage.ts';
import { loadModelProviderConfig } from './model-provider.config.ts';

const chat = (inputTokens: number, outputTokens: number, estimated = false): AiUsage => ({
  provider: 'vertex',
  model: 'gemini-2.5-flash',
  operation: 'chat',
  inputTokens,
  outputTokens,
  estimated,
  cost: (inputTokens + outputTokens) / 1000,
});

describe.each(testDbKinds())('AI usage accounting on %s', (kind) => {
  let t: TestDatabase;
  let core: CrmCore;
  let a: TenantFixture;
  let b: TenantFixture;
  let now = Date.UTC(2026, 4, 20, 9);
  let store: PostgresAiUsageStore;

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    core = createCrmCore({ db: t.db, logger: silentLogger() });
    a = await createTenantFixture(core);
    b = await createTenantFixture(core);
    store = new PostgresAiUsageStore(t.db, { monthlyTokenBudget: 1_000, now: () => now });
  });
  afterAll(async () => {
    await core.outbox.stop();
    await t.drop();
  });

  it('upserts one row per tenant, month, provider and model', async () => {
    await store.recordUsage(a.tenantId, chat(300, 100));
    await store.recordUsage(a.tenantId, chat(200, 50, true));
    await store.recordUsage(a.tenantId, { ...chat(40, 0, true), operation: 'embeddings', model: 'text-embedding-005' });
    expect(await store.usageFor(a.tenantId)).toEqual([
      { period: '2026-05-01', provider: 'vertex', model: 'gemini-2.5-flash', inputTokens: 500, outputTokens: 150, estimatedTokens: 250, calls: 2, cost: 0.65 },
      { period: '2026-05-01', provider: 'vertex', model: 'text-embedding-005', inputTokens: 40, outputTokens: 0, estimatedTokens: 40, calls: 1, cost: 0.04 },
    ]);
    expect(await store.checkBudget(a.tenantId)).toEqual({ period: '2026-05-01', usedTokens: 690, budgetTokens: 1_000, exceeded: false });
  });

  it("keeps tenant A's usage invisible to tenant B, through the store and through raw SQL", async () => {
    expect(await store.usageFor(b.tenantId)).toEqual([]);
    expect(await store.checkBudget(b.tenantId)).toMatchObject({ usedTokens: 0, exceeded: false });
    const raw = await t.db.withTenant(b.tenantId, (em) => em.execute('SELECT tenant_id FROM ai_usage'));
    expect(raw).toEqual([]);
    const upd = await t.db.withTenant(b.tenantId, (em) => em.execute('UPDATE ai_usage SET input_tokens = 0 WHERE tenant_id = ? RETURNING tenant_id', [a.tenantId]));
    expect(upd).toEqual([]);
    await expect(
      t.db.withTenant(b.tenantId, (em) =>
        em.execute("INSERT INTO ai_usage (tenant_id, period, provider, model) VALUES (?, '2026-05-01', 'vertex', 'x')", [a.tenantId]),
      ),
    ).rejects.toThrow(/row-level security/);
    expect((await store.checkBudget(a.tenantId)).usedTokens).toBe(690);
  });

  it('applies the budget per tenant, with a per-tenant override in tenants.settings', async () => {
    await store.recordUsage(a.tenantId, chat(300, 10));
    expect(await store.checkBudget(a.tenantId)).toMatchObject({ usedTokens: 1_000, budgetTokens: 1_000, exceeded: true });
    expect(await store.checkBudget(b.tenantId)).toMatchObject({ usedTokens: 0, exceeded: false });

    await t.db.withTenant(a.tenantId, (em) =>
      em.execute(`UPDATE tenants SET settings = jsonb_set(settings, '{ai}', '{"monthlyTokenBudget": 5000}') WHERE id = ?`, [a.tenantId]),
    );
    expect(await store.checkBudget(a.tenantId)).toMatchObject({ usedTokens: 1_000, budgetTokens: 5_000, exceeded: false });
    expect(await store.checkBudget(b.tenantId)).toMatchObject({ budgetTokens: 1_000 });
  });

  it('lets the guard refuse one tenant with BUDGET_EXCEEDED and not the other', async () => {
    await t.db.withTenant(b.tenantId, (em) =>
      em.execute(`UPDATE tenants SET settings = jsonb_set(settings, '{ai}', '{"monthlyTokenBudget": 100}') WHERE id = ?`, [b.tenantId]),
    );
    await store.recordUsage(b.tenantId, chat(90, 20));
    const guard = new AiCallGuard({ provider: 'vertex', policy: loadModelProviderConfig({}), usage: store, now: () => now });
    let called = 0;
    const call = (tenantId: string) =>
      guard.run({ tenantId, model: 'gemini-2.5-flash', operation: 'chat' }, async () => ++called, () => ({ inputTokens: 1, outputTokens: 1, estimated: false }));
    await expect(call(b.tenantId)).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED', details: { usedTokens: 110, budgetTokens: 100 } });
    expect(called).toBe(0);
    await call(a.tenantId);
    expect(called).toBe(1);
    expect((await store.usageFor(a.tenantId)).find((r) => r.model === 'gemini-2.5-flash')).toMatchObject({ calls: 4 });
  });

  it('starts every month afresh and keeps the history', async () => {
    now = Date.UTC(2026, 5, 1);
    expect(await store.checkBudget(b.tenantId)).toMatchObject({ period: '2026-06-01', usedTokens: 0, exceeded: false });
    expect(await store.usageFor(b.tenantId, '2026-05-01')).toHaveLength(1);
  });
});
