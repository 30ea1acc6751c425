import type { ToolResult } from '../../tools/toolset.ts';
import { inPeriod, metricRange, type MetricRange } from './metric-steps.ts';
import { performanceSubject } from './rules.ts';
import { namesCall, userNames } from './people.ts';
import { mine, whose } from './scope.ts';
import type { StepContext, StepHandler } from './steps.ts';

type Row = Record<string, unknown>;
const DAY = 86_400_000;
const STATUSES = ['LEAD', 'PROSPECT', 'CUSTOMER', 'INACTIVE'];
const OWNED = ['LEAD', 'PROSPECT', 'CUSTOMER'];
/** Below this many contacts a source's conversion rate is listed, not ranked. */
const MIN_SAMPLE = 5;

export const rangeArg = (r: MetricRange) => ({ start: r.start.toISOString(), end: r.end.toISOString() });
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
export const metrics = (r: ToolResult | undefined) => ((r?.ok ? r.data?.metrics : undefined) as Row[] | undefined) ?? [];
const change = (m: Row, since = 'on the period before') => (typeof m.change === 'number' ? `, ${m.change >= 0 ? '+' : ''}${Math.round(m.change * 100)}% ${since}` : '');
const converted = (m: Row) => `${pct(Number(m.value))} (${Math.round(Number(m.value) * Number(m.sampleSize))} of ${String(m.sampleSize)})`;

/** The period a question names, or `fallbackDays` when it names none (a ranking needs more than 30 days of contacts). */
/** The period the step's clause names, in the tenant's days (metricRange); `fallbackDays` when it names none. */
export function periodOf(ctx: StepContext, fallbackDays = 30): MetricRange {
  const { clause: text } = ctx.step;
  const { now } = ctx;
  const range = metricRange(text, now, ctx.timeZone);
  if (range.label !== 'the last 30 days' || /\b30 days\b/i.test(text) || fallbackDays === 30) return range;
  return { start: new Date(now.getTime() - fallbackDays * DAY), end: now, label: `the last ${fallbackDays} days` };
}

/** One get_metrics call for the step's period, unless it was made already. */
function metricsCall(ctx: StepContext, groups: string[], fallbackDays?: number) {
  return ctx.result('get_metrics') ? [] : [ctx.call('get_metrics', { date_range: rangeArg(periodOf(ctx, fallbackDays)), groups })];
}

export function failedCall(ctx: StepContext, verb: string, n?: number): string | undefined {
  const r = ctx.result('get_metrics', n)!;
  return r.ok ? undefined : `I could not ${verb}: ${r.summary}`;
}

export const pipelineStatus: StepHandler = {
  calls: (ctx) => metricsCall(ctx, ['pipeline']),
  answer(ctx) {
    const failure = failedCall(ctx, 'read the pipeline');
    if (failure) return failure;
    const range = periodOf(ctx);
    const r = ctx.result('get_metrics')!;
    const byStatus = new Map(metrics(r).filter((m) => String(m.key).startsWith('pipeline:status=')).map((m) => [String(m.key).slice('pipeline:status='.length), m]));
    const total = [...byStatus.values()].reduce((n, m) => n + Number(m.value), 0);
    const lines = STATUSES.filter((s) => byStatus.has(s)).map((s) => {
      const m = byStatus.get(s)!;
      return `- ${s}: ${String(m.value)}${total ? ` (${pct(Number(m.value) / total)})` : ''}${change(m, `since ${range.start.toISOString().slice(0, 10)}`)}`;
    });
    const scope = r.data?.scope === 'own' ? ' you own' : '';
    return `The pipeline by status at ${String((r.data?.period as Row | undefined)?.end ?? '').slice(0, 10)}: ${total} contacts${scope} (from get_metrics):\n${lines.join('\n')}`;
  },
};

export const sourceRanking: StepHandler = {
  calls: (ctx) => metricsCall(ctx, ['conversion'], 90),
  answer(ctx) {
    const failure = failedCall(ctx, 'rank the lead sources');
    if (failure) return failure;
    const range = periodOf(ctx, 90);
    const all = metrics(ctx.result('get_metrics'));
    const overall = all.find((m) => m.key === 'conversion_rate');
    const sources = all.filter((m) => String(m.key).startsWith('conversion_rate:source='));
    const label = (m: Row) => String(m.key).slice('conversion_rate:source='.length);
    if (!sources.length) return `No contacts with a source were created${inPeriod(range)}, so I cannot rank the lead sources.`;
    const ranked = sources.filter((m) => Number(m.sampleSize) >= MIN_SAMPLE).sort((a, b) => Number(b.value) - Number(a.value) || Number(b.sampleSize) - Number(a.sampleSize));
    const few = sources.filter((m) => Number(m.sampleSize) < MIN_SAMPLE);
    const head = `Lead sources ranked by conversion rate — contacts created${inPeriod(range)} that became customers by the end of it (from get_metrics)${overall ? `; all sources ${converted(overall)}` : ''}:`;
    const lines = ranked.slice(0, 8).map((m, n) => `${n + 1}. ${label(m)} ${converted(m)}`);
    const rest = few.length ? `\nToo few contacts to rank (under ${MIN_SAMPLE}): ${few.map((m) => `${label(m)} ${converted(m)}`).join(', ')}.` : '';
    return `${head}\n${lines.join('\n') || `(no source has ${MIN_SAMPLE} or more contacts)`}${rest}`;
  },
};

interface User {
  id: string;
  name: string;
}

/** Users named by the activity metrics (the directory the assistant can read), from both calls. */
function usersSeen(ctx: StepContext): User[] {
  const seen = new Map<string, string>();
  for (const n of [0, 1]) {
    for (const m of metrics(ctx.result('get_metrics', n))) {
      if (String(m.key).startsWith('activity:user=')) seen.set(String(m.key).slice('activity:user='.length), String(m.name).replace(/^Interactions logged — /, ''));
    }
  }
  return [...seen].map(([id, name]) => ({ id, name }));
}

type Person = { user: User } | { team: true } | { problem: string };

function personOf(ctx: StepContext): Person | undefined {
  const now = ctx.result('get_metrics', 0);
  const year = ctx.result('get_metrics', 1);
  if (!now?.ok || !year?.ok) return undefined;
  const subject = performanceSubject(ctx.step.clause);
  const own = now.data?.scope === 'own';
  const users = usersSeen(ctx);
  if (!subject) return own ? (users.length === 1 ? { user: users[0]! } : { problem: 'As a sales rep you see only your own figures; ask "how am I doing this month?".' }) : { team: true };
  if ('self' in subject) {
    // get_current_user said who is asking: a manager's "how am I doing" is their own figures, not the team's
    if (ctx.me) return { user: users.find((u) => u.id === ctx.me!.id) ?? { id: ctx.me.id, name: ctx.me.name } };
    if (own) return users.length === 1 ? { user: users[0]! } : { problem: 'You have logged no interactions in the last year, so I have no figures of yours to report.' };
    return { problem: 'I cannot tell which user you are from the tools I have; ask about a person by name ("how is Priya doing this month?") or about the team.' };
  }
  const words = subject.name.toLowerCase().split(/\s+/);
  const matches = users.filter((u) => words.every((w) => u.name.toLowerCase().split(/\s+/).some((part) => part.startsWith(w))));
  // a rep's metrics name only themself: anyone else is refused, whether or not that user exists
  if (own && matches.length !== 1) return { problem: `As a sales rep you can see only your own figures, so I cannot report on ${subject.name}; ask "how am I doing this month?".` };
  if (!matches.length) return { problem: `I found no user named ${subject.name} among those who logged interactions in the last year. If ${subject.name} is a contact, ask "tell me about ${subject.name}".` };
  if (matches.length > 1) return { problem: `Several users match "${subject.name}": ${matches.map((u) => u.name).join(', ')}. Which one?` };
  return { user: matches[0]! };
}

export const repPerformance: StepHandler = {
  calls(ctx) {
    const range = periodOf(ctx);
    if (!ctx.result('get_metrics', 0)) {
      return [
        ctx.call('get_metrics', { date_range: rangeArg(range), groups: ['activity', 'conversion'] }, 0),
        // the directory of users: everyone who logged an interaction in the last year
        ctx.call('get_metrics', { date_range: rangeArg({ start: new Date(ctx.now.getTime() - 365 * DAY), end: ctx.now, label: '' }), groups: ['activity'] }, 1),
      ];
    }
    const person = personOf(ctx);
    if (!person || !('user' in person)) return [];
    return OWNED.flatMap((status, n) => (ctx.result('search_contacts', n) ? [] : [ctx.call('search_contacts', { assignedTo: person.user.id, status, limit: 1 }, n)]));
  },
  answer(ctx) {
    const failure = failedCall(ctx, "read the team's metrics", 0) ?? failedCall(ctx, "read the team's metrics", 1);
    if (failure) return failure;
    const range = periodOf(ctx);
    const person = personOf(ctx)!;
    if ('problem' in person) return person.problem;
    const now = metrics(ctx.result('get_metrics', 0));
    const overall = now.find((m) => m.key === 'conversion_rate');
    const activity = now.filter((m) => String(m.key).startsWith('activity:user='));
    const named = (m: Row) => String(m.name).replace(/^Interactions logged — /, '');
    if ('team' in person) {
      const total = activity.reduce((n, m) => n + Number(m.value), 0);
      const people = [...activity].sort((a, b) => Number(b.value) - Number(a.value)).map((m) => `${named(m)} ${String(m.value)}`);
      const owners = now
        .filter((m) => String(m.key).startsWith('conversion_rate:owner=') && Number(m.sampleSize) > 0)
        .sort((a, b) => Number(b.value) - Number(a.value))
        .map((m) => `${String(m.name).replace(/^Conversion rate — owner: /, '')} ${converted(m)}`);
      return (
        `The team${inPeriod(range)} (from get_metrics): ${total} interactions logged${people.length ? ` — ${people.join(', ')}` : ''}.` +
        ` Conversion of the contacts created then: ${overall ? converted(overall) : 'no contacts were created'}${owners.length ? `; by owner: ${owners.join(', ')}` : ''}.`
      );
    }
    const { user } = person;
    const mine = activity.find((m) => m.key === `activity:user=${user.id}`);
    const conversion = now.find((m) => m.key === `conversion_rate:owner=${user.id}`);
    const counts = OWNED.map((status, n) => {
      const r = ctx.result('search_contacts', n);
      return r?.ok ? `${String(r.data?.totalCount)} ${status.toLowerCase()}${Number(r.data?.totalCount) === 1 ? '' : 's'}` : `${status.toLowerCase()}s unknown (${r?.summary ?? 'not read'})`;
    });
    const teamMean = mine?.benchmark ?? activity[0]?.benchmark;
    const logged = mine ? `${String(mine.value)} interactions logged${teamMean !== undefined ? ` (team average ${String(teamMean)})` : ''}${change(mine)}` : 'no interactions logged';
    const conv = conversion && Number(conversion.sampleSize) > 0 ? `of the contacts assigned to ${user.name} and created then, ${converted(conversion)} became customers${overall ? ` (team ${pct(Number(overall.value))})` : ''}` : `no contacts assigned to ${user.name} were created then`;
    return `${user.name}${inPeriod(range)} (from get_metrics): ${logged}; ${conv}. Assigned to ${user.name} now (search_contacts): ${counts.join(', ')}.`;
  },
};

const NEW_SHOWN = 10;

export const newContacts: StepHandler = {
  calls(ctx) {
    const range = periodOf(ctx);
    return [
      ...metricsCall(ctx, ['conversion']),
      ...(ctx.result('search_contacts') ? [] : [ctx.call('search_contacts', { createdAfter: range.start.toISOString(), createdBefore: range.end.toISOString(), ...mine(ctx), sort: 'createdAt', order: 'desc', limit: NEW_SHOWN })]),
      // owners by name: the team directory, or (without list_users) everyone who logged an interaction in the last year
      ...namesCall(ctx, 1),
    ];
  },
  answer(ctx) {
    const failure = failedCall(ctx, 'count the new contacts');
    if (failure) return failure;
    const range = periodOf(ctx);
    const list = ctx.result('search_contacts')!;
    if (!list.ok) return `I could not list the new contacts: ${list.summary}`;
    const contacts = (list.data?.contacts as Row[]) ?? [];
    const total = Number(list.data?.totalCount ?? contacts.length);
    const scope = whose(ctx, ' assigned to you', '');
    if (!total) return `No new contacts${scope} were created${inPeriod(range)} (search_contacts).`;
    const names = userNames(ctx, 1);
    const owner = (id: unknown) => (!id ? 'unassigned' : id === ctx.me?.id ? 'you' : names.get(String(id)) ?? `user ${String(id).slice(0, 8)}`);
    const lines = contacts.map((c) => `- ${String(c.firstName)} ${String(c.lastName)}${c.company ? ` (${String(c.company)})` : ''}, score ${String(c.leadScore ?? '–')}, owner ${owner(c.assignedTo)} [crm://contacts/${String(c.id)}]`);
    const more = total > contacts.length ? `\n…and ${total - contacts.length} more.` : '';
    // the source split is the whole tenant's (or a rep's own), so it is left out of a "my new leads" answer
    const sources = scope
      ? []
      : metrics(ctx.result('get_metrics'))
          .filter((m) => String(m.key).startsWith('conversion_rate:source=') && Number(m.sampleSize) > 0)
          .sort((a, b) => Number(b.sampleSize) - Number(a.sampleSize))
          .map((m) => `${String(m.key).slice('conversion_rate:source='.length)} ${String(m.sampleSize)}`);
    return `${total} new contact(s)${scope} were created${inPeriod(range)} (search_contacts), newest first${sources.length ? `; by source: ${sources.join(', ')}` : ''}:\n${lines.join('\n')}${more}`;
  },
};

const STALE_DEFAULT_DAYS = 30;

/** Days of silence a "not contacted in N days/weeks" question names; default 30. */
export function staleDays(text: string): number {
  const words: Record<string, string> = { two: '2', three: '3', four: '4', five: '5', six: '6', eight: '8', ten: '10', twelve: '12' };
  const lower = text.toLowerCase().replace(/\b(two|three|four|five|six|eight|ten|twelve)\b/g, (w) => words[w]!);
  const m = lower.match(/\b(\d{1,3})\s+(days?|weeks?|months?)\b/);
  if (m) return Number(m[1]) * (m[2]!.startsWith('week') ? 7 : m[2]!.startsWith('month') ? 30 : 1);
  if (/\b(a|one|last|this) month\b/i.test(text)) return 30;
  if (/\b(a|one|last|this) week\b/i.test(text)) return 7;
  return STALE_DEFAULT_DAYS;
}

export const staleContacts: StepHandler = {
  calls(ctx) {
    const before = new Date(ctx.now.getTime() - staleDays(ctx.step.clause) * DAY).toISOString();
    return ['LEAD', 'PROSPECT'].flatMap((status, n) =>
      ctx.result('search_contacts', n) ? [] : [ctx.call('search_contacts', { status, lastContactedBefore: before, ...mine(ctx), sort: 'leadScore', order: 'desc', limit: 5 }, n)],
    );
  },
  answer(ctx) {
    const results = [0, 1].map((n) => ctx.result('search_contacts', n)!);
    const failure = results.find((r) => !r.ok);
    if (failure) return `I could not search the contacts: ${failure.summary}`;
    const days = staleDays(ctx.step.clause);
    const total = results.reduce((n, r) => n + Number(r.data?.totalCount ?? 0), 0);
    const scope = whose(ctx, 'assigned to you', 'you can see');
    if (!total) return `Every open lead and prospect ${scope} was contacted in the last ${days} days.`;
    const top = results
      .flatMap((r) => (r.data?.contacts as Row[]) ?? [])
      .sort((a, b) => Number(b.leadScore ?? 0) - Number(a.leadScore ?? 0))
      .slice(0, 5)
      .map((c) => `- ${String(c.firstName)} ${String(c.lastName)}${c.company ? ` (${String(c.company)})` : ''}, ${String(c.status).toLowerCase()}, score ${String(c.leadScore ?? '–')}, last contacted ${c.lastContactDate ? String(c.lastContactDate).slice(0, 10) : 'never'} [crm://contacts/${String(c.id)}]`);
    return `${total} open lead(s) and prospect(s) ${scope} have not been contacted in the last ${days} days (search_contacts); the highest scored:\n${top.join('\n')}`;
  },
};

export const responseTime: StepHandler = {
  calls: (ctx) => metricsCall(ctx, ['response_time']),
  answer(ctx) {
    const failure = failedCall(ctx, 'measure the response time');
    if (failure) return failure;
    const range = periodOf(ctx);
    const all = metrics(ctx.result('get_metrics'));
    const time = all.find((m) => m.key === 'response_time');
    const rate = all.find((m) => m.key === 'response_rate');
    if (!rate || !Number(rate.sampleSize)) return `No inbound interactions were logged${inPeriod(range)}, so there is no response time to report.`;
    return (
      `Inbound interactions${inPeriod(range)} (from get_metrics): ${converted(rate)} answered` +
      `${time && Number(time.sampleSize) ? `, a median of ${Number(time.value).toFixed(1)} hours to the answer${change(time)}` : ''}.`
    );
  },
};

const INSIGHT_TYPES = ['ANOMALY_DETECTION', 'TREND_ANALYSIS', 'PERFORMANCE_COMPARISON', 'OPPORTUNITY_IDENTIFICATION'];

export const insights: StepHandler = {
  calls: (ctx) => (ctx.result('generate_insights') ? [] : [ctx.call('generate_insights', { time_period: rangeArg(periodOf(ctx, 90)), types: INSIGHT_TYPES })]),
  answer(ctx) {
    const r = ctx.result('generate_insights')!;
    if (!r.ok) return `I could not compute the insights: ${r.summary}`;
    const range = periodOf(ctx, 90);
    const found = ((r.data?.insights as Row[]) ?? []).slice(0, 5);
    if (!found.length) return `Nothing stands out${inPeriod(range)}: generate_insights found no significant trend, anomaly or difference between segments.`;
    const lines = found.map((i) => `- ${String(i.title)}: ${String(i.description)} (${String(i.type).toLowerCase().replace(/_/g, ' ')}, impact ${String(i.impact).toLowerCase()})`);
    return `What stands out${inPeriod(range)} (from generate_insights, statistically tested):\n${lines.join('\n')}`;
  },
};
