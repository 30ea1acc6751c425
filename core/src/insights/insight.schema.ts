import { z } from 'zod';
import { DateRange, TrendDirection } from '../analytics/analytics.schema.ts';

export const INSIGHT_TYPES = ['TREND_ANALYSIS', 'ANOMALY_DETECTION', 'OPPORTUNITY_IDENTIFICATION', 'PERFORMANCE_COMPARISON', 'PREDICTIVE_FORECAST'] as const;
export const InsightType = z.enum(INSIGHT_TYPES);
export type InsightType = z.infer<typeof InsightType>;

export const ImpactLevel = z.enum(['HIGH', 'MEDIUM', 'LOW']);
export type ImpactLevel = z.infer<typeof ImpactLevel>;

/** The design document's AIInsight. `dataPoints` are the numbers the statistics decided on. */
export const AIInsight = z.object({
  id: z.string(),
  type: InsightType,
  title: z.string(),
  description: z.string(),
  confidence: z.number().min(0).max(1),
  impact: ImpactLevel,
  recommendations: z.array(z.string()),
  dataPoints: z.array(z.string()),
  narratedBy: z
    .enum(['template', 'model'])
    .optional()
    .describe('Who wrote title and description: the template over the statistics, or the configured chat model (its numbers checked against the data points)'),
  createdAt: z.date(),
});
export type AIInsight = z.infer<typeof AIInsight>;

/** Daily series the engine analyses. */
export const SERIES_NAMES = ['new_contacts', 'conversions', 'interactions', 'inbound', 'sentiment'] as const;
export const SeriesName = z.enum(SERIES_NAMES);
export type SeriesName = z.infer<typeof SeriesName>;

export const GenerateInsightsInput = z
  .object({
    customer_segment: z
      .string()
      .regex(/^(source|campaign)=.{1,128}$/, 'must look like source=<name> or campaign=<id>')
      .optional()
      .describe('limit the analysis to one segment, e.g. source=webinar'),
    time_period: DateRange.optional().describe('defaults to the 90 days before now'),
    metrics: z.array(SeriesName).max(SERIES_NAMES.length).default([...SERIES_NAMES]).describe('series to test for trends and anomalies'),
    types: z.array(InsightType).max(INSIGHT_TYPES.length).optional().describe('insight types to compute; all when omitted'),
  })
  .strict();
export type GenerateInsightsInput = z.input<typeof GenerateInsightsInput>;

export const TrendAnalysis = z.object({
  metric: SeriesName,
  direction: TrendDirection,
  /** Sen's slope per week, with its 95% interval. */
  slopePerWeek: z.number(),
  slopeLow: z.number(),
  slopeHigh: z.number(),
  pValue: z.number(),
  weeks: z.number().int(),
});
export type TrendAnalysis = z.infer<typeof TrendAnalysis>;

export const ActionableRecommendation = z.object({
  insightId: z.string(),
  action: z.string(),
  priority: ImpactLevel,
});
export type ActionableRecommendation = z.infer<typeof ActionableRecommendation>;

export const GenerateInsightsOutput = z.object({
  insights: z.array(AIInsight),
  trends: z.array(TrendAnalysis),
  recommendations: z.array(ActionableRecommendation),
  note: z.string().optional().describe('Why some analyses were left out: too little history since the first activity in the period'),
});
export type GenerateInsightsOutput = z.infer<typeof GenerateInsightsOutput>;

/**
 * Optional rewrite of an insight's prose by the model provider. It only sees and returns text:
 * the type, numbers, confidence and data points stay the statistics' own.
 */
export type Narrator = (
  draft: { type: InsightType; title: string; description: string; dataPoints: string[] },
  ctx: { tenantId: string },
) => Promise<{ title: string; description: string }>;

export const DetectAnomaliesInput = z
  .object({
    metric: SeriesName.describe('daily series to scan'),
    date_range: DateRange.optional().describe('defaults to the 90 days before now'),
  })
  .strict();
export type DetectAnomaliesInput = z.input<typeof DetectAnomaliesInput>;

export const AnomaliesResult = z.object({
  metric: SeriesName,
  days: z.number().int(),
  threshold: z.number(),
  anomalies: z.array(z.object({ day: z.string(), value: z.number(), expected: z.number(), score: z.number(), direction: z.enum(['HIGH', 'LOW']) })),
});
export type AnomaliesResult = z.infer<typeof AnomaliesResult>;

export const ForecastInput = z
  .object({
    metric: SeriesName.exclude(['sentiment']).default('conversions').describe('daily count series to forecast'),
    horizon_days: z.number().int().min(1).max(28).default(7),
    level: z.number().min(0.5).max(0.99).default(0.8).describe('prediction-interval coverage'),
    history_days: z.number().int().min(28).max(730).default(120).describe('days of history to fit on'),
  })
  .strict();
export type ForecastInput = z.input<typeof ForecastInput>;

export const ForecastResult = z.object({
  metric: SeriesName,
  level: z.number(),
  method: z.string(),
  steps: z.array(z.object({ day: z.string(), mean: z.number(), low: z.number(), high: z.number() })),
  total: z.object({ mean: z.number(), low: z.number(), high: z.number() }),
  sigma: z.number(),
  history_days: z.number().int(),
});
export type ForecastResult = z.infer<typeof ForecastResult>;
