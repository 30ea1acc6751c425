import { INSIGHT_TYPES, SERIES_NAMES, AIInsight, ActionableRecommendation, TrendAnalysis, AnomaliesResult, ForecastResult, METRIC_GROUPS, Metric, JourneyStage } from '@crm/core/contracts';
import { z } from 'zod';
import type { ToolContract } from '../../framework/tool.ts';
import { ContactId, IsoDateInput, IsoDateTime } from '../crm-data/common.contract.ts';

/** The design document's DateRange, as ISO strings over MCP (the core coerces and checks start < end). */
export const DateRangeIn = z.object({ start: IsoDateInput, end: IsoDateInput }).strict();

const Series = z.enum(SERIES_NAMES);

export const GenerateInsights = {
  name: 'generate_insights',
  input: z
    .object({
      customer_segment: z.string().max(140).optional().describe('Limit to one segment: source=<name> or campaign=<id>, e.g. source=webinar'),
      time_period: DateRangeIn.optional().describe('Period to analyse; default the 90 days before now'),
      metrics: z.array(Series).max(SERIES_NAMES.length).optional().describe('Daily series to test for trends and anomalies; default all'),
      types: z.array(z.enum(INSIGHT_TYPES)).max(INSIGHT_TYPES.length).optional().describe('Insight types to compute; default all'),
    })
    .strict(),
  output: z.object({
    insights: z.array(AIInsight.extend({ createdAt: IsoDateTime })),
    trends: z.array(TrendAnalysis),
    recommendations: z.array(ActionableRecommendation),
  }),
} satisfies ToolContract;

export const AnalyzeCustomerJourney = {
  name: 'analyze_customer_journey',
  input: z.object({ contact_id: ContactId }).strict(),
  output: z.object({
    contact: z.object({ id: z.uuid(), name: z.string(), status: z.string() }),
    journey_stages: z.array(JourneyStage.extend({ enteredAt: IsoDateTime, exitedAt: IsoDateTime.nullable() })),
    pain_points: z.array(z.string()),
    optimization_opportunities: z.array(z.string()),
  }),
} satisfies ToolContract;

export const GetMetrics = {
  name: 'get_metrics',
  input: z
    .object({
      date_range: DateRangeIn.optional().describe('Default the 30 days before now; compared with the equally long period before it'),
      groups: z.array(z.enum(METRIC_GROUPS)).max(METRIC_GROUPS.length).optional().describe('Metric groups; default all'),
      owner_id: z.uuid().optional().describe("Only this user's contacts and interactions (a rep: self only)"),
    })
    .strict(),
  output: z.object({
    period: z.object({ start: IsoDateTime, end: IsoDateTime }),
    previous: z.object({ start: IsoDateTime, end: IsoDateTime }),
    scope: z.enum(['all', 'own', 'owner']).describe("own: the caller's contacts and interactions (a rep's always); owner: owner_id's"),
    metrics: z.array(Metric),
  }),
} satisfies ToolContract;

export const DetectAnomalies = {
  name: 'detect_anomalies',
  input: z.object({ metric: Series, date_range: DateRangeIn.optional().describe('Default the 90 complete days before today') }).strict(),
  output: AnomaliesResult,
} satisfies ToolContract;

export const Forecast = {
  name: 'forecast',
  input: z
    .object({
      metric: Series.exclude(['sentiment']).optional().describe('Daily count series; default conversions'),
      horizon_days: z.number().int().min(1).max(28).optional().describe('Days ahead; default 7'),
      level: z.number().min(0.5).max(0.99).optional().describe('Prediction-interval coverage; default 0.8'),
      history_days: z.number().int().min(28).max(730).optional().describe('History to fit on; default 120'),
    })
    .strict(),
  output: ForecastResult,
} satisfies ToolContract;
