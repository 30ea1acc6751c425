import type { StepContext, StepHandler } from './steps.ts';
import { cite } from './answers.ts';
import { localDate, midnightIn } from './dates.ts';
import { myLogCalls, myLogLines, namesCall, namesFailure, userNames } from './people.ts';

type Row = Record<string, unknown>;
const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const DAY = 86_400_000;

export interface MetricRange {
  start: Date;
  end: Date;
  label: string;
}

/** " last week", " since Friday", " in the last 30 days", " in March 2026": the period as a phrase after a verb. */
export const inPeriod = (r: MetricRange) => (/^(since|last|this) |^(yesterday|today)$/.test(r.label) ? ` ${r.label}` : ` in ${r.label}`);

/**
 * The period a metrics question names, in calendar days of the tenant's `timeZone`: "last 90 days",
 * "October 2026", "last month", "last week", "this week", "this month", "last 2 weeks", "yesterday",
 * "today"; default the last 30 days. (Until QA round 5's leftovers were fixed these were UTC days:
 * "yesterday" in Auckland began at 13:00 the day before yesterday.)
 */
export function metricRange(text: string, now: Date, timeZone = 'UTC'): MetricRange {
  const lower = text.toLowerCase();
  const today = localDate(now, timeZone);
  const day = (d: number, month0 = today.m - 1, y = today.y) => midnightIn(y, month0, d, timeZone);
  const days = lower.match(/\b(?:last|past|previous)\s+(\d{1,4})\s+days?\b/);
  if (days) return { start: new Date(now.getTime() - Number(days[1]) * DAY), end: now, label: `the last ${days[1]} days` };
  const month = lower.match(new RegExp(`\\b(${MONTHS.join('|')})(?:\\s+(\\d{4}))?\\b`));
  if (month) {
    const m = MONTHS.indexOf(month[1]);
    let y = month[2] ? Number(month[2]) : today.y;
    if (!month[2] && day(1, m, y).getTime() > now.getTime()) y--;
    const start = day(1, m, y);
    const end = new Date(Math.min(day(1, m + 1, y).getTime(), now.getTime()));
    return { start, end, label: `${month[1][0].toUpperCase()}${month[1].slice(1)} ${y}` };
  }
  if (/\blast month\b/.test(lower)) return { start: day(1, today.m - 2), end: day(1), label: 'last month' };
  // calendar quarters (January, April, July, October); "this quarter" fell back to the last 30 days
  const q0 = Math.floor((today.m - 1) / 3) * 3;
  if (/\bthis quarter\b/.test(lower)) return { start: day(1, q0), end: now, label: 'this quarter' };
  if (/\b(last|previous) quarter\b/.test(lower)) return { start: day(1, q0 - 3), end: day(1, q0), label: 'last quarter' };
  if (/\b(last|past) (year|12 months)\b|\bthis year\b/.test(lower)) return { start: new Date(now.getTime() - 365 * DAY), end: now, label: 'the last 365 days' };
  // weeks run Monday to Monday; each was the last 30 days before QA round 5
  const midnight = day(today.d);
  const sinceMonday = (today.weekday + 6) % 7;
  const weeks = lower.match(/\b(?:last|past|previous)\s+(\d{1,3})\s+weeks?\b/);
  if (weeks) return { start: new Date(now.getTime() - Number(weeks[1]) * 7 * DAY), end: now, label: `the last ${weeks[1]} weeks` };
  if (/\b(last|previous) week\b/.test(lower)) return { start: day(today.d - sinceMonday - 7), end: day(today.d - sinceMonday), label: 'last week' };
  if (/\bthis week\b/.test(lower)) return { start: day(today.d - sinceMonday), end: now, label: 'this week' };
  if (/\bthis month\b/.test(lower)) return { start: day(1), end: now, label: 'this month' };
  if (/\byesterday\b/.test(lower)) return { start: day(today.d - 1), end: midnight, label: 'yesterday' };
  if (/\btoday\b/.test(lower)) return { start: midnight, end: now, label: 'today' };
  const since = lower.match(/\bsince (monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b/);
  if (since) {
    const weekday = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'].indexOf(since[1]!);
    // the latest such day before today ("since Friday" on a Monday: three days), in the tenant's zone
    const back = (today.weekday - weekday + 7) % 7 || 7;
    return { start: day(today.d - back), end: now, label: `since ${since[1]![0]!.toUpperCase()}${since[1]!.slice(1)}` };
  }
  return { start: new Date(now.getTime() - 30 * DAY), end: now, label: 'the last 30 days' };
}

const rangeArg = (r: MetricRange) => ({ start: r.start.toISOString(), end: r.end.toISOString() });
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const metricsOf = (ctx: StepContext) => (ctx.result('get_metrics')?.data?.metrics as Row[] | undefined) ?? [];
const failedMetrics = (ctx: StepContext, verb: string) => {
  const r = ctx.result('get_metrics')!;
  return r.ok ? undefined : `I could not ${verb}: ${r.summary}`;
};

export const conversionRate: StepHandler = {
  calls: (ctx) => (ctx.result('get_metrics') ? [] : [ctx.call('get_metrics', { date_range: rangeArg(metricRange(ctx.step.clause, ctx.now, ctx.timeZone)), groups: ['conversion'] })]),
  answer(ctx) {
    const failure = failedMetrics(ctx, 'compute the conversion rate');
    if (failure) return failure;
    const range = metricRange(ctx.step.clause, ctx.now, ctx.timeZone);
    const metrics = metricsOf(ctx);
    const line = (m: Row) => `${pct(Number(m.value))} (${Math.round(Number(m.value) * Number(m.sampleSize))} of ${String(m.sampleSize)} contacts)`;
    const overall = metrics.find((m) => m.key === 'conversion_rate');
    const text = ctx.step.clause.toLowerCase().replace(/[_-]/g, ' ');
    const sources = metrics.filter((m) => String(m.key).startsWith('conversion_rate:source='));
    const asked = sources.find((m) => text.includes(String(m.key).slice('conversion_rate:source='.length).replace(/_/g, ' ')));
    const head = `Conversion rate of the contacts created${inPeriod(range)} (became customers by the end of it), from get_metrics:`;
    if (asked) return `${head} ${String(asked.key).slice('conversion_rate:source='.length)} ${line(asked)}${overall ? `; all sources ${line(overall)}` : ''}.`;
    if (!overall) return `${head} no contacts were created in that period.`;
    // "how did the webinar campaign do?" with no webinar contacts in the period: say so, not only the overall rate
    const STOP = /^(how|did|does|do|is|was|were|are|the|our|my|by|per|of|for|a|an|each|every|all|lead|best|top|which|what|this|that|has|have)$/;
    const before = (text.match(/\b((?:[a-z_]+\s+)?[a-z_]+)\s+(?:campaign|source|channel)s?\b/)?.[1] ?? '').split(/\s+/);
    // "rate by source", "per channel": a breakdown, not one source
    const named = before.some((w) => /^(by|per|each|every|all)$/.test(w)) ? '' : before.filter((w) => w && !STOP.test(w)).join(' ');
    if (named) return `${head} no contacts from ${named} were created then; all sources ${line(overall)}.`;
    const best = [...sources].sort((a, b) => Number(b.value) - Number(a.value)).slice(0, 3);
    return `${head} ${line(overall)}.${best.length ? ` Best sources: ${best.map((m) => `${String(m.key).slice('conversion_rate:source='.length)} ${pct(Number(m.value))}`).join(', ')}.` : ''}`;
  },
};

/** "What did I log this week": the asker's interactions listed (list_interactions), when the tool is bound; else their count. */
const listsMine = (ctx: StepContext) => Boolean(ctx.me && ctx.step.who === 'me' && ctx.has?.('list_interactions'));

export const activityTrend: StepHandler = {
  calls(ctx) {
    const range = metricRange(ctx.step.clause, ctx.now, ctx.timeZone);
    return [
      ...(ctx.result('get_metrics') ? [] : [ctx.call('get_metrics', { date_range: rangeArg(range), groups: ['activity'] })]),
      ...(listsMine(ctx) ? myLogCalls(ctx, range) : []),
    ];
  },
  answer(ctx) {
    const range = metricRange(ctx.step.clause, ctx.now, ctx.timeZone);
    const users = metricsOf(ctx).filter((m) => String(m.key).startsWith('activity:user='));
    if (listsMine(ctx)) {
      const log = myLogLines(ctx);
      const own = users.find((m) => m.key === `activity:user=${ctx.me!.id}`);
      const mean = own?.benchmark ?? users[0]?.benchmark;
      const average = mean !== undefined && users.length > 1 ? `; the average per person was ${String(mean)} (get_metrics)` : '';
      if ('total' in log) {
        if (!log.total) return `You (${ctx.me!.name}) logged no interactions${inPeriod(range)} (list_interactions)${average}.`;
        return `You (${ctx.me!.name}) logged ${log.total} interaction(s)${inPeriod(range)} (list_interactions), newest first${average}:\n${log.text}`;
      }
      if (!ctx.result('get_metrics')!.ok) return `I could not list your interactions: ${log.problem}`;
    }
    const failure = failedMetrics(ctx, 'count the interactions');
    if (failure) return failure;
    const total = users.reduce((n, m) => n + Number(m.value), 0);
    if (ctx.me && ctx.step.who === 'me') {
      // "what did I log this week": the asker's own count (get_current_user's id), with the team's mean beside it
      const own = users.find((m) => m.key === `activity:user=${ctx.me!.id}`);
      const mean = own?.benchmark ?? users[0]?.benchmark;
      const change = typeof own?.change === 'number' ? `, ${own.change >= 0 ? '+' : ''}${Math.round(own.change * 100)}% on the period before` : '';
      return `You (${ctx.me.name}) logged ${own ? String(own.value) : 'no'} interactions${inPeriod(range)} (from get_metrics)${mean !== undefined && users.length > 1 ? `; the average per person was ${String(mean)}` : ''}${change}.`;
    }
    const top = [...users].sort((a, b) => Number(b.value) - Number(a.value)).map((m) => `${String(m.name).replace(/^Interactions logged — /, '')} ${String(m.value)}`);
    return `${total} interactions were logged${inPeriod(range)} (from get_metrics)${top.length ? `; by person: ${top.join(', ')}` : ''}.`;
  },
};

const USER_REF = /assigned to user ([0-9a-f-]{36})/g;

export const ownerName: StepHandler = {
  // the team directory (list_users) when bound; else the activity metric, which names only people who logged something
  calls: (ctx) => namesCall(ctx),
  answer(ctx) {
    const ids = [...new Set((ctx.earlier ?? []).flatMap((a) => [...a.matchAll(USER_REF)].map((m) => m[1])))];
    if (!ids.length) return '';
    const names = userNames(ctx);
    const why = namesFailure(ctx);
    return ids.map((id) => (names.has(id) ? `User ${id} is ${names.get(id)!}.` : `I cannot see the name of user ${id}${why ? ` (${why})` : ''}.`)).join(' ');
  },
};

export const contactOwner: StepHandler = {
  calls: () => [],
  answer({ contact: c }) {
    if (!c) return '';
    const owner = (c as { assignedTo?: string | null }).assignedTo;
    return `${c.firstName} ${c.lastName} <${c.email}>${c.company ? ` at ${c.company}` : ''} ${owner ? `is assigned to user ${owner}` : 'is not assigned to anyone'} ${cite(`crm://contacts/${c.id}`)}.`;
  },
};

const DECLINE_CONFIDENTIAL =
  'I cannot do that: credentials, secrets and bulk exports of contact data are not something I share or send anywhere. Ask an administrator, or use the audited export in the CRM if you are entitled to it.';
const DECLINE_BULK =
  'I will not act on every contact at once from a chat message: bulk emails, deletions and mass changes need a workflow or an administrator, with approval. I can help with one contact at a time.';

export const refuseConfidential: StepHandler = { calls: () => [], answer: () => DECLINE_CONFIDENTIAL };
export const refuseBulk: StepHandler = { calls: () => [], answer: () => DECLINE_BULK };

const NO_REVENUE =
  'The CRM records no deal values or revenue, so I cannot give revenue figures or forecast them. I can count deals won instead: ask "how many leads converted last month?", or run the FINANCIAL_METRICS report (it counts deals won, not currency).';

export const noRevenue: StepHandler = { calls: () => [], answer: () => NO_REVENUE };

/** Which daily series a forecast question is about (the forecast tool's `metric`); default conversions. */
export function forecastMetric(text: string): 'conversions' | 'new_contacts' | 'interactions' | 'inbound' {
  const lower = text.toLowerCase();
  if (/\binbound\b/.test(lower)) return 'inbound';
  if (/\b(interactions?|activity|calls|meetings|emails)\b/.test(lower)) return 'interactions';
  if (/\b(new (contacts?|leads?)|sign-?ups?|leads? (will )?(come|arrive)|how many (new )?(leads|contacts))\b/.test(lower)) return 'new_contacts';
  return 'conversions';
}

/** Days ahead a forecast question asks for (the tool takes 1–28); default 7. */
export function forecastHorizon(text: string): number {
  const lower = text.toLowerCase();
  const days = lower.match(/\b(?:next|coming|following)\s+(\d{1,3})\s+days?\b/);
  if (days) return Math.min(28, Math.max(1, Number(days[1])));
  const weeks = lower.match(/\b(?:next|coming|following)\s+(\d)\s+weeks?\b/);
  if (weeks) return Math.min(28, Number(weeks[1]) * 7);
  if (/\b(next|coming) month\b|\bfour weeks\b/.test(lower)) return 28;
  if (/\b(next|coming) (two|2) weeks\b|\bfortnight\b/.test(lower)) return 14;
  if (/\btomorrow\b/.test(lower)) return 1;
  return 7;
}

const SERIES_WORDS: Record<string, string> = { conversions: 'conversions (leads becoming customers)', new_contacts: 'new contacts', interactions: 'interactions logged', inbound: 'inbound interactions' };

export const forecast: StepHandler = {
  calls: (ctx) => (ctx.result('forecast') ? [] : [ctx.call('forecast', { metric: forecastMetric(ctx.step.clause), horizon_days: forecastHorizon(ctx.step.clause) })]),
  answer(ctx) {
    const r = ctx.result('forecast')!;
    if (!r.ok) return `I could not forecast: ${r.summary}`;
    const f = r.data as { metric: string; level: number; method: string; steps: unknown[]; total: { mean: number; low: number; high: number }; history_days: number };
    const n = (v: number) => (Math.round(v * 10) / 10).toString();
    return (
      `Forecast of ${SERIES_WORDS[f.metric] ?? f.metric} for the next ${f.steps.length} days (from the forecast tool: ${f.method} on the last ${f.history_days} days): ` +
      `about ${n(f.total.mean)} in total, ${Math.round(f.level * 100)}% interval ${n(f.total.low)}–${n(f.total.high)}. A statistical projection of the daily counts, not a commitment.`
    );
  },
};
