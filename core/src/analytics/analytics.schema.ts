import { z } from 'zod';
import { endOfBound, isoDate, LocalDay, WallClockDate } from '../errors/safe-input.schema.ts';

export const TrendDirection = z.enum(['UP', 'DOWN', 'STABLE']);
export type TrendDirection = z.infer<typeof TrendDirection>;

/** The design document's Metric, plus a stable machine `key`, its `group` and the sample behind it. */
export const Metric = z.object({
  key: z.string().describe('stable id, e.g. conversion_rate:source=webinar'),
  group: z.string().describe('pipeline | conversion | velocity | activity | response_time | sentiment'),
  name: z.string(),
  value: z.number(),
  unit: z.string().optional(),
  change: z.number().optional().describe('relative period-over-period change (0.25 = +25%)'),
  trend: TrendDirection,
  confidence: z.number().min(0).max(1).describe('1 − p-value of the period-over-period test'),
  benchmark: z.number().optional().describe('the tenant-wide (team) value the segment is compared with'),
  sampleSize: z.number().int().min(0),
});
export type Metric = z.infer<typeof Metric>;

const MAX_RANGE_DAYS = 3 * 366;

const bothDates = (r: { start: unknown; end: unknown }) => r.start instanceof Date && r.end instanceof Date;

/**
 * An ISO 8601 date or date-time (or a Date). Not `z.coerce.date`: JavaScript reads "01/11/2026"
 * as 11 January and rolls "2026-02-30" into March, so a UK manager's November report silently
 * covered ten months (QA round 5).
 */
export const PeriodBound = isoDate().meta({ type: 'string', format: 'date-time' });

export const DateRange = z
  .object({
    start: PeriodBound,
    end: PeriodBound,
  })
  .strict()
  // a bound that failed its own check is still the raw input here: only compare two dates
  // a date-only end includes its day (placed in the tenant's zone by the service): 2026-11-30 to 2026-11-30 is one day
  .refine((r) => !bothDates(r) || r.start.getTime() < endOfBound(r.end), { message: 'start must be before end', path: ['start'] })
  .refine((r) => !bothDates(r) || endOfBound(r.end) - r.start.getTime() <= MAX_RANGE_DAYS * 86_400_000, {
    message: `must span at most ${MAX_RANGE_DAYS} days`,
    path: ['end'],
  });
export type DateRange = z.infer<typeof DateRange>;

/**
 * The `days` days up to `end`, written the way `end` was: a date alone ends its day, so the period
 * starts `days − 1` local days before it (end=2026-11-30 → 1–30 November in the tenant's zone); a
 * wall-clock time starts `days` days earlier on the same clock (placed in the tenant's zone, across
 * daylight-saving changes); an instant starts `days` × 24 h earlier.
 */
export function periodEndingAt(end: Date, days: number): { start: Date; end: Date } {
  const DAY = 86_400_000;
  if (end instanceof LocalDay) return { start: new LocalDay(end.getTime() - (days - 1) * DAY), end };
  if (end instanceof WallClockDate) return { start: new WallClockDate(end.getTime() - days * DAY), end };
  return { start: new Date(end.getTime() - days * DAY), end };
}

export const METRIC_GROUPS = ['pipeline', 'conversion', 'velocity', 'activity', 'response_time', 'sentiment'] as const;
export const MetricGroup = z.enum(METRIC_GROUPS);
export type MetricGroup = z.infer<typeof MetricGroup>;

export const MetricsQuery = z
  .object({
    dateRange: DateRange.optional().describe('defaults to the 30 days before now'),
    groups: z.array(MetricGroup).max(METRIC_GROUPS.length).optional().describe('metric groups to compute; all when omitted'),
    ownerId: z.uuid('must be a user id (UUID)').optional().describe("only this user's contacts and interactions (a sales rep: their own id only)"),
  })
  .strict();
export type MetricsQuery = z.input<typeof MetricsQuery>;

export interface MetricsResult {
  period: DateRange;
  previous: DateRange;
  /**
   * `all` for managers and marketing; `own` when the numbers are the caller's own contacts and
   * interactions (a rep always; anyone asking with their own `ownerId`); `owner` for another user's (`ownerId`).
   */
  scope: 'all' | 'own' | 'owner';
  metrics: Metric[];
}

/** One calendar day of the tenant's time zone: the raw material of trends, anomalies and forecasts. */
export interface DailyPoint {
  day: string;
  newContacts: number;
  conversions: number;
  interactions: number;
  inbound: number;
  sentimentSum: number;
  sentimentCount: number;
}

export interface SegmentRow {
  dim: 'source' | 'campaign' | 'owner';
  key: string;
  /** Display label (the user's name for owners). */
  label: string;
  trials: number;
  successes: number;
  touches: number;
}
