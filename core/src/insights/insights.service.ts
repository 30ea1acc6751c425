import { randomUUID } from 'node:crypto';
import type { AnalyticsService } from '../analytics/analytics.service.ts';
import { parseOrThrow } from '../errors/zod-issues.ts';
import type { Logger } from '../logger.ts';
import type { Actor } from '../users/user.schema.ts';
import { anomalyInsights, forecastInsight, opportunityInsights, performanceInsights, trendInsights } from './insight-detectors.ts';
import {
  DetectAnomaliesInput,
  ForecastInput,
  GenerateInsightsInput,
  INSIGHT_TYPES,
  type AIInsight,
  type AnomaliesResult,
  type ForecastResult,
  type GenerateInsightsOutput,
  type Narrator,
} from './insight.schema.ts';
import { dailyValues, SERIES_LABELS, sinceFirstActivity } from './insight-series.ts';
import { detectAnomalies, holtWinters, isStatsError, median } from './stats/index.ts';
import { AppError } from '../errors/app-error.ts';
import type { Database } from '../db/database.ts';
import { inTenantTx } from '../db/tenant-tx.ts';
import { writeEvent } from '../outbox/outbox.writer.ts';
import { addDays, localDate, startOfLocalDate } from '../tenants/local-day.ts';

const DAY = 86_400_000;
const IMPACT_ORDER = { HIGH: 0, MEDIUM: 1, LOW: 2 } as const;

/** ` (since DAY)` for a reason's text, when there was any activity. */
const since = (points: { day: string }[]) => (points.length ? ` (the first activity in the period is on ${points[0].day})` : ' (no contacts, interactions or conversions in the period)');

/** The points whose whole calendar day (in the tenant's zone) lies inside the range. */
function completeDays<T extends { day: string }>(daily: { timeZone: string; points: T[] }, range: { start: Date; end: Date }): T[] {
  return daily.points.filter((p) => {
    const start = startOfLocalDate(p.day, daily.timeZone).getTime();
    return start >= range.start.getTime() && startOfLocalDate(addDays(p.day, 1), daily.timeZone).getTime() <= range.end.getTime();
  });
}

export interface InsightsServiceDeps {
  analytics: AnalyticsService;
  /** Rewrites title/description only; when absent (or failing) the templates stand. */
  narrator?: Narrator;
  logger?: Logger;
  now?: () => Date;
  /** Announces generated insights as an `insight.generated` outbox event (live subscribers); none without it. */
  db?: Database;
}

export function createInsightsService(deps: InsightsServiceDeps) {
  const now = deps.now ?? (() => new Date());

  async function narrate(actor: Actor, draft: Omit<AIInsight, 'createdAt'>): Promise<Omit<AIInsight, 'createdAt'>> {
    const template = { ...draft, narratedBy: 'template' as const };
    if (!deps.narrator) return template;
    try {
      const text = await deps.narrator({ type: draft.type, title: draft.title, description: draft.description, dataPoints: draft.dataPoints }, { tenantId: actor.tenantId });
      if (!text.title || !text.description) return template;
      return { ...draft, title: text.title, description: text.description, narratedBy: 'model' };
    } catch (err) {
      // NarrativeRejected carries the reason (a number not in the data, the time limit, the call failing)
      deps.logger?.warn({ insight: draft.id, reason: (err as Error).message }, 'insight narrative from the model rejected; keeping the template text');
      return template;
    }
  }

  /** The last `days` complete calendar days of the tenant's zone (today, still running, is left out). */
  async function lastDays(actor: Actor, days: number) {
    const timeZone = await deps.analytics.timeZone(actor);
    const today = localDate(now(), timeZone);
    return { start: startOfLocalDate(addDays(today, -days), timeZone), end: startOfLocalDate(today, timeZone) };
  }

  return {
    /** Seasonal robust anomaly scores of one daily series (`detect_anomalies`). */
    async anomalies(actor: Actor, raw: DetectAnomaliesInput): Promise<AnomaliesResult> {
      const input = parseOrThrow(DetectAnomaliesInput, raw);
      const range = input.date_range ? await deps.analytics.placeRange(actor, input.date_range) : await lastDays(actor, 90);
      const points = sinceFirstActivity(completeDays(await deps.analytics.daily(actor, range), range));
      const kept = dailyValues(points, input.metric).map((v, i) => ({ v, day: points[i].day })).filter((x) => Number.isFinite(x.v));
      if (kept.length < 21) throw AppError.validation([{ path: 'date_range', reason: `needs at least 21 days with data, got ${kept.length}${since(points)}` }]);
      const values = kept.map((x) => x.v);
      const r = detectAnomalies(values, { period: 7, minScale: input.metric === 'sentiment' ? 0.05 : Math.sqrt(Math.max(1, median(values))) });
      return {
        metric: input.metric,
        days: values.length,
        threshold: r.threshold,
        anomalies: r.anomalies.map((a) => ({ day: kept[a.index].day, value: a.value, expected: a.expected, score: a.score, direction: a.direction })),
      };
    },

    /** Holt–Winters (additive, weekly season) forecast of a daily count series (`forecast`). */
    async forecast(actor: Actor, raw: ForecastInput): Promise<ForecastResult> {
      const input = parseOrThrow(ForecastInput, raw);
      const range = await lastDays(actor, input.history_days);
      const points = sinceFirstActivity(completeDays(await deps.analytics.daily(actor, range), range));
      if (points.length < 28) {
        throw AppError.validation([{ path: 'history_days', reason: `needs at least 28 complete days of history to fit a weekly season, got ${points.length}${since(points)}` }]);
      }
      const label = SERIES_LABELS[input.metric].toLowerCase();
      if (dailyValues(points, input.metric).every((v) => v === 0)) {
        throw AppError.validation([{ path: 'metric', reason: `no ${label} in the ${points.length} days of history: there is nothing to forecast (a forecast of 0 with an interval of 0 to 0 would claim a certainty the data does not give)` }]);
      }
      try {
        const f = holtWinters(dailyValues(points, input.metric), { period: 7, horizon: input.horizon_days, level: input.level });
        const lastDay = points.at(-1)?.day;
        const dayOf = (step: number) => (lastDay ? addDays(lastDay, step) : new Date(range.end.getTime() + (step - 1) * DAY).toISOString().slice(0, 10));
        // Counts cannot go below zero; the interval is clipped, not re-fitted.
        return {
          metric: input.metric,
          level: input.level,
          method: `Holt-Winters additive, weekly season (alpha ${f.params.alpha}, beta ${f.params.beta.toFixed(3)}, gamma ${f.params.gamma.toFixed(3)})`,
          steps: f.steps.map((s) => ({ day: dayOf(s.step), mean: Math.max(0, s.mean), low: Math.max(0, s.low), high: Math.max(0, s.high) })),
          total: { mean: Math.max(0, f.total.mean), low: Math.max(0, f.total.low), high: Math.max(0, f.total.high) },
          sigma: f.sigma,
          history_days: points.length,
        };
      } catch (err) {
        if (isStatsError(err)) throw AppError.validation([{ path: err.field === 'series' ? 'history_days' : err.field, reason: err.reason }]);
        throw err;
      }
    },

    /** The insights MCP tool `generate_insights`: every InsightType the data supports, strongest first. */
    async generate(actor: Actor, raw: GenerateInsightsInput = {}): Promise<GenerateInsightsOutput> {
      const input = parseOrThrow(GenerateInsightsInput, raw);
      // Default: the last 90 calendar days of the tenant's zone up to today's local midnight.
      const range = input.time_period ? await deps.analytics.placeRange(actor, input.time_period) : await lastDays(actor, 90);
      const types = new Set(input.types ?? INSIGHT_TYPES);
      const segment = input.customer_segment;
      const [daily, segments] = await Promise.all([
        deps.analytics.daily(actor, range, segment),
        types.has('OPPORTUNITY_IDENTIFICATION') || types.has('PERFORMANCE_COMPARISON') ? deps.analytics.segments(actor, range, segment) : Promise.resolve([]),
      ]);
      // Partial first/last days would look like drops to every detector; days before the first
      // activity are no data, not quiet days.
      const points = sinceFirstActivity(completeDays(daily, range));
      const scope = daily.scope;
      const drafts: Omit<AIInsight, 'createdAt'>[] = [];
      const { trends, insights: trendDrafts } = trendInsights(points, input.metrics);
      if (types.has('TREND_ANALYSIS')) drafts.push(...trendDrafts);
      if (types.has('ANOMALY_DETECTION')) drafts.push(...anomalyInsights(points, input.metrics));
      if (types.has('OPPORTUNITY_IDENTIFICATION')) drafts.push(...opportunityInsights(segments));
      if (types.has('PERFORMANCE_COMPARISON')) drafts.push(...performanceInsights(segments));
      if (types.has('PREDICTIVE_FORECAST')) {
        const f = forecastInsight(points, 'conversions');
        if (f) drafts.push(f);
      }
      drafts.sort((a, b) => IMPACT_ORDER[a.impact] - IMPACT_ORDER[b.impact] || b.confidence - a.confidence);
      const createdAt = now();
      const insights = await Promise.all(drafts.map(async (d) => ({ ...(await narrate(actor, d)), id: `${d.id}:${randomUUID().slice(0, 8)}`, createdAt })));
      const recommendations = insights.flatMap((i) => i.recommendations.map((action) => ({ insightId: i.id, action, priority: i.impact })));
      if (deps.db && insights.length) {
        // who may see them: the whole tenant's numbers, or one rep's own book (scope 'own', ownerId)
        const summary = insights.map((i) => ({
          id: i.id,
          type: i.type,
          title: i.title,
          description: i.description,
          impact: i.impact,
          confidence: i.confidence,
          recommendations: i.recommendations,
          dataPoints: i.dataPoints,
          createdAt: i.createdAt.toISOString(),
        }));
        await inTenantTx(deps.db, actor, (em) =>
          writeEvent(em, actor, 'insight.generated', { type: 'insight', id: null }, { scope, ownerId: scope === 'own' ? actor.userId : null, insights: summary }),
        );
      }
      // trends need 6 complete weeks, anomalies and forecasts 28 days
      const note =
        points.length < 42
          ? `Only ${points.length} day${points.length === 1 ? '' : 's'} of activity in the period${since(points)}: trends need 42 days (6 weeks), anomalies and forecasts 28, so ${points.length < 28 ? 'none of them were' : 'trends were not'} computed yet.`
          : undefined;
      return { insights, trends, recommendations, ...(note ? { note } : {}) };
    },
  };
}

export type InsightsService = ReturnType<typeof createInsightsService>;
