import type { AiPricing } from './model-provider.config.ts';

/** Tokens one model call used, as the provider reported them or as estimated. */
export interface TokenCount {
  inputTokens: number;
  outputTokens: number;
  /** True when the provider reported no usage and the counts are chars/4 estimates. */
  estimated: boolean;
}

/** One call's usage as the accounting records it. */
export interface AiUsage extends TokenCount {
  provider: string;
  model: string;
  operation: 'chat' | 'embeddings';
  cost: number;
}

/** A tenant's usage of one provider/model in one month. */
export interface AiUsageSummary {
  /** First day of the month, `YYYY-MM-01` (UTC). */
  period: string;
  provider: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  /** How many of the tokens above are estimates. */
  estimatedTokens: number;
  calls: number;
  cost: number;
}

export interface BudgetStatus {
  period: string;
  usedTokens: number;
  /** Null when the tenant has no budget. */
  budgetTokens: number | null;
  exceeded: boolean;
}

/**
 * Per-tenant accounting behind every remote model call: the call guard asks `checkBudget` before
 * calling a provider and hands the result's usage to `recordUsage`.
 */
export interface AiUsageStore {
  recordUsage(tenantId: string, usage: AiUsage): Promise<void>;
  checkBudget(tenantId: string): Promise<BudgetStatus>;
  /** The tenant's usage rows for a month (default: the current one). */
  usageFor(tenantId: string, period?: string): Promise<AiUsageSummary[]>;
}

export interface AiUsageStoreOptions {
  /** Default monthly token budget of every tenant; undefined = unlimited. */
  monthlyTokenBudget?: number;
  now?: () => number;
}

/** `YYYY-MM-01` of the UTC month containing `epochMs`. */
export function usagePeriod(epochMs: number): string {
  const d = new Date(epochMs);
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-01`;
}

/** Seconds until the next UTC month starts, when a spent budget refills. */
export function secondsUntilNextPeriod(epochMs: number): number {
  const d = new Date(epochMs);
  return Math.max(1, Math.ceil((Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) - epochMs) / 1000));
}

/** The usual rule of thumb for English text with BPE tokenizers: about four characters a token. */
export function estimateTokens(chars: number): number {
  return Math.ceil(chars / 4);
}

export function costOf(count: Pick<TokenCount, 'inputTokens' | 'outputTokens'>, operation: AiUsage['operation'], pricing: AiPricing): number {
  const cost =
    operation === 'embeddings'
      ? (count.inputTokens / 1000) * pricing.embeddingPer1k
      : (count.inputTokens / 1000) * pricing.inputPer1k + (count.outputTokens / 1000) * pricing.outputPer1k;
  return Math.round(cost * 1e6) / 1e6;
}

export function budgetStatus(period: string, usedTokens: number, budgetTokens: number | undefined | null): BudgetStatus {
  const budget = budgetTokens ?? null;
  return { period, usedTokens, budgetTokens: budget, exceeded: budget !== null && usedTokens >= budget };
}

/** Process-local accounting for tests and single-process development. */
export class InMemoryAiUsageStore implements AiUsageStore {
  private readonly rows = new Map<string, AiUsageSummary & { tenantId: string }>();
  private readonly budgets = new Map<string, number>();
  private readonly now: () => number;
  private readonly defaultBudget?: number;

  constructor(options: AiUsageStoreOptions = {}) {
    this.now = options.now ?? Date.now;
    this.defaultBudget = options.monthlyTokenBudget;
  }

  /** Give one tenant a budget other than the default. */
  setBudget(tenantId: string, tokens: number): void {
    this.budgets.set(tenantId, tokens);
  }

  async recordUsage(tenantId: string, usage: AiUsage): Promise<void> {
    const period = usagePeriod(this.now());
    const key = JSON.stringify([tenantId, period, usage.provider, usage.model]);
    const row = this.rows.get(key) ?? {
      tenantId,
      period,
      provider: usage.provider,
      model: usage.model,
      inputTokens: 0,
      outputTokens: 0,
      estimatedTokens: 0,
      calls: 0,
      cost: 0,
    };
    row.inputTokens += usage.inputTokens;
    row.outputTokens += usage.outputTokens;
    if (usage.estimated) row.estimatedTokens += usage.inputTokens + usage.outputTokens;
    row.calls += 1;
    row.cost = Math.round((row.cost + usage.cost) * 1e6) / 1e6;
    this.rows.set(key, row);
  }

  async checkBudget(tenantId: string): Promise<BudgetStatus> {
    const period = usagePeriod(this.now());
    const rows = await this.usageFor(tenantId, period);
    const used = rows.reduce((sum, r) => sum + r.inputTokens + r.outputTokens, 0);
    return budgetStatus(period, used, this.budgets.get(tenantId) ?? this.defaultBudget);
  }

  async usageFor(tenantId: string, period = usagePeriod(this.now())): Promise<AiUsageSummary[]> {
    return [...this.rows.values()]
      .filter((r) => r.tenantId === tenantId && r.period === period)
      .map(({ tenantId: _t, ...summary }) => ({ ...summary }));
  }
}
