/**
 * Statistics decide every insight here; the text is a template over the numbers they produced.
 * Pure functions over the daily series and segment counts, so they are tested on planted data.
 */
import type { DailyPoint, SegmentRow } from '../analytics/analytics.schema.ts';
import type { AIInsight, ImpactLevel, SeriesName, TrendAnalysis } from './insight.schema.ts';
import { dailyValues, fmt, pct, SERIES_LABELS, weeklyValues } from './insight-series.ts';
import { detectAnomalies, holtWinters, mannKendall, median, segmentUplift, twoSidedP } from './stats/index.ts';

type Draft = Omit<AIInsight, 'createdAt'>;
const impactOf = (size: number, high: number, medium: number): ImpactLevel => (size >= high ? 'HIGH' : size >= medium ? 'MEDIUM' : 'LOW');
const round = (v: number, d = 3) => Math.round(v * 10 ** d) / 10 ** d;

export function trendInsights(points: DailyPoint[], names: readonly SeriesName[]): { trends: TrendAnalysis[]; insights: Draft[] } {
  const trends: TrendAnalysis[] = [];
  const insights: Draft[] = [];
  for (const name of names) {
    const { values, firstDay } = weeklyValues(points, name);
    if (values.length < 6) continue;
    const t = mannKendall(values);
    trends.push({ metric: name, direction: t.direction, slopePerWeek: round(t.slope), slopeLow: round(t.slopeLow), slopeHigh: round(t.slopeHigh), pValue: round(t.pValue, 4), weeks: values.length });
    if (t.direction === 'STABLE') continue;
    const base = median(values);
    const relWeekly = base !== 0 ? t.slope / Math.abs(base) : 0;
    const label = SERIES_LABELS[name];
    const up = t.direction === 'UP';
    const good = name === 'inbound' ? undefined : up;
    insights.push({
      id: `trend:${name}`,
      type: 'TREND_ANALYSIS',
      title: `${label} ${up ? 'rising' : 'falling'} over ${values.length} weeks`,
      description: `${label} ${up ? 'grew' : 'declined'} by about ${fmt(Math.abs(t.slope), 2)} per week (95% interval ${fmt(t.slopeLow, 2)} to ${fmt(t.slopeHigh, 2)}), ${name === 'sentiment' ? '' : `${pct(Math.abs(relWeekly))} of a typical week, `}a monotonic trend by the Mann–Kendall test (p = ${t.pValue.toPrecision(2)}).`,
      confidence: round(1 - t.pValue),
      impact: name === 'sentiment' ? impactOf(Math.abs(t.slope) * values.length, 0.3, 0.1) : impactOf(Math.abs(relWeekly) * values.length, 0.5, 0.2),
      recommendations:
        good === false
          ? [`Review what changed for ${label.toLowerCase()} since ${firstDay[0]}: sources, staffing and campaigns.`, 'Set a weekly target and watch the next two weeks against the forecast.']
          : [`Plan capacity for continued ${up ? 'growth' : 'decline'} in ${label.toLowerCase()}.`, 'Find which source or campaign drives it and double down on it.'],
      dataPoints: [
        ...values.map((v, i) => `week of ${firstDay[i]}: ${fmt(v, 2)}`),
        `Sen slope ${fmt(t.slope, 3)}/week [${fmt(t.slopeLow, 3)}, ${fmt(t.slopeHigh, 3)}]`,
        `Mann–Kendall S = ${t.s}, tau = ${t.tau.toFixed(2)}, p = ${t.pValue.toPrecision(2)}`,
      ],
    });
  }
  return { trends, insights };
}

export function anomalyInsights(points: DailyPoint[], names: readonly SeriesName[]): Draft[] {
  const out: Draft[] = [];
  for (const name of names) {
    const raw = dailyValues(points, name);
    const keep = raw.map((v, i) => ({ v, i })).filter((x) => Number.isFinite(x.v));
    if (keep.length < 28) continue;
    const values = keep.map((x) => x.v);
    // Counts are Poisson-ish: below a scale of √level a "3-sigma" day is only a handful of events.
    const floor = name === 'sentiment' ? 0.05 : Math.sqrt(Math.max(1, median(values)));
    const r = detectAnomalies(values, { period: 7, minScale: floor });
    for (const a of r.anomalies) {
      const day = points[keep[a.index].i].day;
      const label = SERIES_LABELS[name];
      const ratio = a.expected > 0 ? a.value / a.expected : Number.NaN;
      out.push({
        id: `anomaly:${name}:${day}`,
        type: 'ANOMALY_DETECTION',
        title: `Unusual ${a.direction === 'HIGH' ? 'spike' : 'drop'} in ${label.toLowerCase()} on ${day}`,
        description: `${label} was ${fmt(a.value, 2)} on ${day} against about ${fmt(a.expected, 2)} expected for that weekday and level${Number.isFinite(ratio) && name !== 'sentiment' ? ` (${ratio.toFixed(1)}×)` : ''}; a robust score of ${a.score.toFixed(1)} exceeds the ${r.threshold.toFixed(1)} threshold for ${values.length} days.`,
        // Bonferroni over the days looked at: the chance a day this extreme shows up anywhere by luck.
        confidence: round(Math.max(0, Math.min(0.999, 1 - twoSidedP(a.score) * values.length))),
        impact: impactOf(Math.abs(a.score) / r.threshold, 2, 1.3),
        recommendations: [
          `Open the ${label.toLowerCase()} of ${day} and look for a shared cause (campaign, outage, import, holiday).`,
          name === 'inbound' || (name === 'sentiment' && a.direction === 'LOW') ? 'Check that every inbound message of that day got a reply.' : 'Annotate the day so forecasts and reports are read with it in mind.',
        ],
        dataPoints: [`${day}: ${fmt(a.value, 2)} (expected ${fmt(a.expected, 2)})`, `robust z = ${a.score.toFixed(2)}, threshold ${r.threshold.toFixed(2)}, scale ${fmt(r.scale, 3)}`, `baseline: seasonal median over ${values.length} days, weekly period`],
      });
    }
  }
  return out;
}

export function opportunityInsights(segments: SegmentRow[]): Draft[] {
  const out: Draft[] = [];
  for (const dim of ['source', 'campaign'] as const) {
    const rows = segments.filter((s) => s.dim === dim && s.trials >= 10);
    if (rows.length < 2) continue;
    const totalTouches = rows.reduce((s, r) => s + r.touches, 0);
    const totalTrials = rows.reduce((s, r) => s + r.trials, 0);
    const avgTouches = totalTouches / totalTrials;
    const uplift = segmentUplift(rows.map((r) => ({ key: r.key, successes: r.successes, trials: r.trials })));
    for (const u of uplift) {
      const row = rows.find((r) => r.key === u.key)!;
      const touches = row.touches / row.trials;
      if (!(u.adjustedP < 0.05 && u.difference > 0 && touches < avgTouches)) continue;
      out.push({
        id: `opportunity:${dim}:${u.key}`,
        type: 'OPPORTUNITY_IDENTIFICATION',
        title: `${dim === 'source' ? 'Source' : 'Campaign'} "${u.key}" converts ${u.ratio.toFixed(1)}× better but gets less attention`,
        description: `Contacts from ${dim} "${u.key}" converted at ${pct(u.rateA)} versus ${pct(u.rateB)} for the rest (difference ${pct(u.difference)}, 95% interval ${pct(u.low)} to ${pct(u.high)}, Holm-adjusted p = ${u.adjustedP.toPrecision(2)}), yet they received ${touches.toFixed(1)} interactions per contact against ${avgTouches.toFixed(1)} on average.`,
        confidence: round(u.confidence),
        impact: impactOf(u.ratio, 1.8, 1.3),
        recommendations: [`Give ${dim} "${u.key}" leads a faster first touch and a follow-up sequence like the other segments get.`, `Shift budget towards ${dim} "${u.key}" and watch its conversion rate hold as volume grows.`],
        dataPoints: [`${u.key}: ${row.successes}/${row.trials} converted (${pct(u.rateA)})`, `rest: ${pct(u.rateB)}`, `touches per contact: ${touches.toFixed(2)} vs ${avgTouches.toFixed(2)}`, `rate ratio ${u.ratio.toFixed(2)}, adjusted p ${u.adjustedP.toPrecision(2)}`],
      });
    }
  }
  return out;
}

export function performanceInsights(segments: SegmentRow[]): Draft[] {
  const reps = segments.filter((s) => s.dim === 'owner' && s.trials >= 10);
  if (reps.length < 2) return [];
  return segmentUplift(reps.map((r) => ({ key: r.key, successes: r.successes, trials: r.trials })))
    .filter((u) => u.adjustedP < 0.05)
    .map((u) => {
      const row = reps.find((r) => r.key === u.key)!;
      const under = u.difference < 0;
      return {
        id: `performance:${u.key}`,
        type: 'PERFORMANCE_COMPARISON' as const,
        title: `${row.label} ${under ? 'converts below' : 'outperforms'} the rest of the team`,
        description: `${row.label} converted ${pct(u.rateA)} of ${row.trials} assigned contacts against ${pct(u.rateB)} for the rest of the team (difference ${pct(u.difference)}, 95% interval ${pct(u.low)} to ${pct(u.high)}; two-proportion z = ${u.z.toFixed(2)}, Holm-adjusted p = ${u.adjustedP.toPrecision(2)}).`,
        confidence: round(u.confidence),
        impact: impactOf(Math.abs(u.difference) / Math.max(u.rateB, 0.01), 0.5, 0.25),
        recommendations: under
          ? [`Review ${row.label}'s open deals together and pair them with a top performer for a few calls.`, 'Check lead mix: are they assigned harder sources than the team?']
          : [`Capture what ${row.label} does differently (call scripts, follow-up timing) and share it with the team.`],
        dataPoints: [`${row.label}: ${row.successes}/${row.trials} (${pct(u.rateA)})`, `rest of team: ${pct(u.rateB)}`, `z = ${u.z.toFixed(2)}, adjusted p = ${u.adjustedP.toPrecision(2)}`],
      };
    });
}

export function forecastInsight(points: DailyPoint[], name: SeriesName = 'conversions', level = 0.8): Draft | undefined {
  const values = dailyValues(points, name);
  if (values.length < 28 || values.some((v) => !Number.isFinite(v))) return undefined;
  // never a deal won in the period: "about 0.0 (0.0–0.0)" at 80% confidence says nothing
  if (values.every((v) => v === 0)) return undefined;
  const f = holtWinters(values, { period: 7, horizon: 7, level });
  const low = Math.max(0, f.total.low);
  const lastWeek = values.slice(-7).reduce((s, v) => s + v, 0);
  const label = SERIES_LABELS[name];
  const change = lastWeek > 0 ? (f.total.mean - lastWeek) / lastWeek : 0;
  return {
    id: `forecast:${name}`,
    type: 'PREDICTIVE_FORECAST',
    title: `${label} next week: about ${fmt(Math.max(0, f.total.mean))} (${fmt(low)}–${fmt(f.total.high)})`,
    description: `Holt–Winters with a weekly season forecasts ${fmt(Math.max(0, f.total.mean))} ${label.toLowerCase()} over the next 7 days, ${Math.round(level * 100)}% prediction interval ${fmt(low)} to ${fmt(f.total.high)}, against ${fmt(lastWeek)} in the last 7 days.`,
    confidence: level,
    impact: impactOf(Math.abs(change), 0.3, 0.1),
    recommendations: change < -0.1 ? ['Pull forward follow-ups on warm prospects to close the expected gap.'] : ['Keep the pipeline fed at the current pace; compare next week against the interval.'],
    dataPoints: [
      ...f.steps.map((s) => `day +${s.step}: ${fmt(Math.max(0, s.mean), 2)} [${fmt(Math.max(0, s.low), 2)}, ${fmt(s.high, 2)}]`),
      `last 7 days: ${fmt(lastWeek)}`,
      `alpha ${f.params.alpha}, beta ${round(f.params.beta)}, gamma ${round(f.params.gamma)}, sigma ${fmt(f.sigma, 3)}`,
    ],
  };
}
