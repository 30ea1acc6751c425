import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { costOf, estimateTokens, InMemoryAiUsageStore, usagePeriod, type AiUsage } from './ai-usage.ts';

const chat = (inputTokens: number, outputTokens: number, estimated = false): AiUsage => ({
  provider: 'vertex',
  model: 'gemini-2.5-flash',
  operation: 'chat',
  inputTokens,
  outputTokens,
  estimated,
  cost: costOf({ inputTokens, outputTokens }, 'chat', { inputPer1k: 1, outputPer1k: 2, embeddingPer1k: 0.1 }),
});

describe('usage accounting', () => {
  it('prices chat and embeddings per 1k tokens', () => {
    expect(costOf({ inputTokens: 1500, outputTokens: 500 }, 'chat', { inputPer1k: 1, outputPer1k: 2, embeddingPer1k: 0.1 })).toBe(2.5);
    expect(costOf({ inputTokens: 1500, outputTokens: 0 }, 'embeddings', { inputPer1k: 1, outputPer1k: 2, embeddingPer1k: 0.1 })).toBe(0.15);
    expect(estimateTokens(9)).toBe(3);
  });

  it('buckets usage by UTC month', () => {
    expect(usagePeriod(Date.UTC(2026, 0, 31, 23, 59))).toBe('2026-01-01');
    expect(usagePeriod(Date.UTC(2026, 11, 1))).toBe('2026-12-01');
  });

  it('adds up usage per tenant, model and month and checks budgets per tenant', async () => {
    let now = Date.UTC(2026, 2, 10);
    const store = new InMemoryAiUsageStore({ monthlyTokenBudget: 1000, now: () => now });
    const [a, b] = [randomUUID(), randomUUID()];
    await store.recordUsage(a, chat(400, 100));
    await store.recordUsage(a, chat(400, 50, true));
    await store.recordUsage(b, chat(10, 10));
    expect(await store.usageFor(a)).toEqual([
      { period: '2026-03-01', provider: 'vertex', model: 'gemini-2.5-flash', inputTokens: 800, outputTokens: 150, estimatedTokens: 450, calls: 2, cost: 1.1 },
    ]);
    expect(await store.checkBudget(a)).toEqual({ period: '2026-03-01', usedTokens: 950, budgetTokens: 1000, exceeded: false });
    await store.recordUsage(a, chat(50, 0));
    expect(await store.checkBudget(a)).toMatchObject({ usedTokens: 1000, exceeded: true });
    expect(await store.checkBudget(b)).toMatchObject({ usedTokens: 20, exceeded: false });
    store.setBudget(b, 10);
    expect(await store.checkBudget(b)).toMatchObject({ budgetTokens: 10, exceeded: true });
    now = Date.UTC(2026, 3, 1);
    expect(await store.checkBudget(a)).toEqual({ period: '2026-04-01', usedTokens: 0, budgetTokens: 1000, exceeded: false });
    expect(await store.usageFor(a, '2026-03-01')).toHaveLength(1);
  });
});
