import { median } from '../insights/stats/index.ts';
import { CONTACT_STATUSES } from '../contacts/contact.schema.ts';
import type { Metric } from './analytics.schema.ts';
import { compareCounts, compareMeans, compareRates, compareSamples } from './metric-compare.ts';

type Row = Record<string, unknown>;
export interface RawMetrics {
  users?: Row[];
  pipelineEnd?: Row[];
  pipelineStart?: Row[];
  conversion?: Row[];
  velocity?: Row[];
  activity?: Row[];
  responseTime?: Row[];
  sentiment?: Row[];
}

const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
const arr = (v: unknown) => (Array.isArray(v) ? v.map(Number) : []);
const round = (v: number, d = 4) => Math.round(v * 10 ** d) / 10 ** d;
const byPeriod = (rows: Row[] | undefined, period: string) => rows?.find((r) => r.period === period);

function metric(m: Omit<Metric, 'value' | 'change' | 'confidence'> & { value: number; change?: number; confidence: number }): Metric {
  return { ...m, value: round(m.value), change: m.change === undefined ? undefined : round(m.change), confidence: round(m.confidence) };
}

/** Stocks at two instants are exact counts, not samples: the trend is a ≥ 5% move, confidence 1. */
function pipeline(raw: RawMetrics): Metric[] {
  const count = (rows: Row[] | undefined, s: string) => num(rows?.find((r) => r.status === s)?.n);
  return CONTACT_STATUSES.map((status) => {
    const end = count(raw.pipelineEnd, status);
    const start = count(raw.pipelineStart, status);
    const change = start > 0 ? (end - start) / start : undefined;
    const trend = change === undefined ? (end > 0 ? 'UP' : 'STABLE') : change >= 0.05 ? 'UP' : change <= -0.05 ? 'DOWN' : 'STABLE';
    return metric({ key: `pipeline:status=${status}`, group: 'pipeline', name: `Contacts in ${status}`, value: end, unit: 'contacts', change, trend, confidence: 1, sampleSize: end });
  });
}

function conversion(rows: Row[], names: Map<string, string>): Metric[] {
  const get = (dim: string, key: string, period: string) => {
    const r = rows.find((x) => x.dim === dim && x.key === key && x.period === period);
    return { successes: num(r?.successes), trials: num(r?.trials) };
  };
  const overall = get('all', 'all', 'current');
  const benchmark = overall.trials ? overall.successes / overall.trials : undefined;
  const keys = [...new Set(rows.filter((r) => r.period === 'current').map((r) => `${r.dim}\u0000${r.key}`))];
  return keys.map((k) => {
    const [dim, key] = k.split('\u0000');
    const now = get(dim, key, 'current');
    const before = get(dim, key, 'previous');
    const label = dim === 'all' ? 'Conversion rate' : `Conversion rate — ${dim}: ${dim === 'owner' ? (names.get(key) ?? key) : key}`;
    return metric({
      key: dim === 'all' ? 'conversion_rate' : `conversion_rate:${dim}=${key}`,
      group: 'conversion',
      name: label,
      value: now.trials ? now.successes / now.trials : 0,
      unit: 'ratio',
      ...compareRates(now, before),
      benchmark: dim === 'all' || benchmark === undefined ? undefined : round(benchmark),
      sampleSize: now.trials,
    });
  });
}

export function buildMetrics(raw: RawMetrics): Metric[] {
  const out: Metric[] = [];
  const names = new Map((raw.users ?? []).map((r) => [r.user_id as string, r.name as string]));
  if (raw.pipelineEnd) out.push(...pipeline(raw));
  if (raw.conversion) out.push(...conversion(raw.conversion, names));
  if (raw.velocity) {
    const now = arr(byPeriod(raw.velocity, 'current')?.days);
    const before = arr(byPeriod(raw.velocity, 'previous')?.days);
    out.push(metric({ key: 'lead_velocity', group: 'velocity', name: 'Lead velocity (median days LEAD → CUSTOMER)', value: now.length ? median(now) : 0, unit: 'days', ...compareSamples(now, before), sampleSize: num(byPeriod(raw.velocity, 'current')?.n) }));
  }
  if (raw.activity) {
    const users = [...new Set(raw.activity.map((r) => r.user_id as string))];
    const current = raw.activity.filter((r) => r.period === 'current');
    const teamMean = current.length ? current.reduce((s, r) => s + num(r.n), 0) / current.length : 0;
    for (const id of users) {
      const rowNow = raw.activity.find((r) => r.user_id === id && r.period === 'current');
      const rowBefore = raw.activity.find((r) => r.user_id === id && r.period === 'previous');
      const now = num(rowNow?.n);
      out.push(metric({ key: `activity:user=${id}`, group: 'activity', name: `Interactions logged — ${names.get(id) ?? id}`, value: now, unit: 'interactions', ...compareCounts(now, num(rowBefore?.n)), benchmark: round(teamMean, 1), sampleSize: now }));
    }
  }
  if (raw.responseTime) {
    const cur = byPeriod(raw.responseTime, 'current');
    const prev = byPeriod(raw.responseTime, 'previous');
    const now = arr(cur?.hours);
    out.push(metric({ key: 'response_time', group: 'response_time', name: 'Response time to inbound (median hours)', value: now.length ? median(now) : 0, unit: 'hours', ...compareSamples(now, arr(prev?.hours)), sampleSize: num(cur?.answered) }));
    const rate = { successes: num(cur?.answered), trials: num(cur?.inbound) };
    out.push(metric({ key: 'response_rate', group: 'response_time', name: 'Inbound interactions answered', value: rate.trials ? rate.successes / rate.trials : 0, unit: 'ratio', ...compareRates(rate, { successes: num(prev?.answered), trials: num(prev?.inbound) }), sampleSize: rate.trials }));
  }
  if (raw.sentiment) {
    const stats = (r: Row | undefined) => ({ n: num(r?.n), mean: num(r?.mean), sd: num(r?.sd) });
    const now = stats(byPeriod(raw.sentiment, 'current'));
    out.push(metric({ key: 'sentiment', group: 'sentiment', name: 'Average interaction sentiment', value: now.mean, unit: 'score (−1..1)', ...compareMeans(now, stats(byPeriod(raw.sentiment, 'previous'))), sampleSize: now.n }));
  }
  return out;
}
