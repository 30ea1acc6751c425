import type { DailyPoint } from '../analytics/analytics.schema.ts';
import type { SeriesName } from './insight.schema.ts';

export const SERIES_LABELS: Record<SeriesName, string> = {
  new_contacts: 'New contacts',
  conversions: 'Deals won',
  interactions: 'Interactions',
  inbound: 'Inbound interactions',
  sentiment: 'Average sentiment',
};

/** Counts per day; for sentiment the day's mean (NaN on days without scored interactions). */
export function dailyValues(points: DailyPoint[], name: SeriesName): number[] {
  switch (name) {
    case 'new_contacts':
      return points.map((p) => p.newContacts);
    case 'conversions':
      return points.map((p) => p.conversions);
    case 'interactions':
      return points.map((p) => p.interactions);
    case 'inbound':
      return points.map((p) => p.inbound);
    case 'sentiment':
      return points.map((p) => (p.sentimentCount ? p.sentimentSum / p.sentimentCount : Number.NaN));
  }
}

/**
 * The days from the first one with any activity (a new contact, a conversion, an interaction) on:
 * the days before it are not quiet days but days before the tenant had data (a tenant made last
 * week, or one that imported its history two weeks ago), and counting them as zeros made a new
 * tenant's forecast "0.0 (0.0–0.0)" and turned the first import into a rising trend.
 */
export function sinceFirstActivity<T extends DailyPoint>(points: T[]): T[] {
  const first = points.findIndex((p) => p.newContacts > 0 || p.conversions > 0 || p.interactions > 0 || p.inbound > 0);
  return first < 0 ? [] : points.slice(first);
}

/**
 * Complete 7-day blocks counted back from the last day: weekly totals (means for sentiment) have
 * no weekday pattern, so a plain trend test applies to them.
 */
export function weeklyValues(points: DailyPoint[], name: SeriesName): { values: number[]; firstDay: string[] } {
  const values: number[] = [];
  const firstDay: string[] = [];
  for (let end = points.length; end - 7 >= 0; end -= 7) {
    const week = points.slice(end - 7, end);
    if (name === 'sentiment') {
      const n = week.reduce((s, p) => s + p.sentimentCount, 0);
      if (!n) continue;
      values.unshift(week.reduce((s, p) => s + p.sentimentSum, 0) / n);
    } else {
      values.unshift(dailyValues(week, name).reduce((s, v) => s + v, 0));
    }
    firstDay.unshift(week[0].day);
  }
  return { values, firstDay };
}

export const fmt = (v: number, digits = 1) => (Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(digits));
export const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
