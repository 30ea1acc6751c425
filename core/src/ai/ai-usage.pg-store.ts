import type { Database } from '../db/database.ts';
import {
  budgetStatus,
  usagePeriod,
  type AiUsage,
  type AiUsageStore,
  type AiUsageStoreOptions,
  type AiUsageSummary,
  type BudgetStatus,
} from './ai-usage.ts';

// Every statement runs in `withTenant`, so row-level security scopes it; the explicit tenant
// filters are for the index (and for PGlite sessions that run as the owner).
const UPSERT = `
INSERT INTO ai_usage (tenant_id, period, provider, model, input_tokens, output_tokens, estimated_tokens, calls, cost, updated_at)
VALUES (?, ?::date, ?, ?, ?, ?, ?, 1, ?, now())
ON CONFLICT (tenant_id, period, provider, model) DO UPDATE SET
  input_tokens = ai_usage.input_tokens + EXCLUDED.input_tokens,
  output_tokens = ai_usage.output_tokens + EXCLUDED.output_tokens,
  estimated_tokens = ai_usage.estimated_tokens + EXCLUDED.estimated_tokens,
  calls = ai_usage.calls + 1,
  cost = ai_usage.cost + EXCLUDED.cost,
  updated_at = now()`;

// jsonb_extract_path_text rather than an operator: a literal question mark would be a placeholder.
const BUDGET = `
SELECT
  (SELECT coalesce(sum(input_tokens + output_tokens), 0) FROM ai_usage WHERE tenant_id = ? AND period = ?::date)::text AS used,
  (SELECT jsonb_extract_path_text(settings, 'ai', 'monthlyTokenBudget') FROM tenants WHERE id = ?) AS override`;

const USAGE = `
SELECT to_char(period, 'YYYY-MM-DD') AS period, provider, model, input_tokens::text AS input_tokens,
       output_tokens::text AS output_tokens, estimated_tokens::text AS estimated_tokens, calls, cost::text AS cost
FROM ai_usage WHERE tenant_id = ? AND period = ?::date ORDER BY provider, model`;

interface UsageRow {
  period: string;
  provider: string;
  model: string;
  input_tokens: string;
  output_tokens: string;
  estimated_tokens: string;
  calls: number;
  cost: string;
}

/**
 * AI usage accounting in the `ai_usage` table (migration 0010). A tenant's budget is
 * `tenants.settings.ai.monthlyTokenBudget` when set to a non-negative integer, else the default.
 * The check-then-call sequence is not atomic: concurrent calls may overshoot a budget by what
 * they use, which is why the check refuses at "used >= budget" rather than predicting a call's cost.
 */
export class PostgresAiUsageStore implements AiUsageStore {
  private readonly now: () => number;

  constructor(
    private readonly db: Database,
    private readonly options: AiUsageStoreOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  async recordUsage(tenantId: string, usage: AiUsage): Promise<void> {
    const estimated = usage.estimated ? usage.inputTokens + usage.outputTokens : 0;
    await this.db.withTenant(tenantId, (em) =>
      em.execute(UPSERT, [
        tenantId,
        usagePeriod(this.now()),
        usage.provider,
        usage.model,
        Math.round(usage.inputTokens),
        Math.round(usage.outputTokens),
        Math.round(estimated),
        usage.cost,
      ]),
    );
  }

  async checkBudget(tenantId: string): Promise<BudgetStatus> {
    const period = usagePeriod(this.now());
    const [row] = await this.db.withTenant(tenantId, (em) => em.execute<{ used: string; override: string | null }[]>(BUDGET, [tenantId, period, tenantId]));
    const override = row?.override == null ? undefined : Number(row.override);
    const budget = override !== undefined && Number.isSafeInteger(override) && override >= 0 ? override : this.options.monthlyTokenBudget;
    return budgetStatus(period, Number(row?.used ?? 0), budget);
  }

  async usageFor(tenantId: string, period = usagePeriod(this.now())): Promise<AiUsageSummary[]> {
    const rows = await this.db.withTenant(tenantId, (em) => em.execute<UsageRow[]>(USAGE, [tenantId, period]));
    return rows.map((r) => ({
      period: r.period,
      provider: r.provider,
      model: r.model,
      inputTokens: Number(r.input_tokens),
      outputTokens: Number(r.output_tokens),
      estimatedTokens: Number(r.estimated_tokens),
      calls: Number(r.calls),
      cost: Number(r.cost),
    }));
  }
}
