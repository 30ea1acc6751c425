import { inPeriod, metricRange, type MetricRange } from './metric-steps.ts';
import { mine, whose } from './scope.ts';
import type { StepContext, StepHandler } from './steps.ts';
import { failedCall, metrics, periodOf, rangeArg } from './team-steps.ts';

type Row = Record<string, unknown>;

/** Customers won in the period: lead velocity's sample (get_metrics) — the caller's own for a rep or a "my" question, the team's otherwise. */
function wonLine(ctx: StepContext, range: MetricRange): string {
  const r = ctx.result('get_metrics')!;
  const v = metrics(r).find((m) => m.key === 'lead_velocity');
  const won = Number(v?.sampleSize ?? 0);
  const speed = won ? `; a median of ${Number(v!.value).toFixed(1)} days from first contact to customer` : '';
  const who = r.data?.scope === 'own' ? 'of yours ' : '';
  return `${won} contact(s) ${who}became customers${inPeriod(range)} (from get_metrics)${speed}.`;
}

/** get_metrics for the period; "my" narrows it to the caller's own contacts (owner_id), a manager's too. */
function wonCalls(ctx: StepContext, range: MetricRange) {
  const owner = mine(ctx).assignedTo;
  return ctx.result('get_metrics') ? [] : [ctx.call('get_metrics', { date_range: rangeArg(range), groups: ['velocity'], ...(owner ? { owner_id: owner } : {}) })];
}

export const dealsWon: StepHandler = {
  calls: (ctx) => wonCalls(ctx, periodOf(ctx)),
  answer(ctx) {
    const failure = failedCall(ctx, 'count the deals won');
    if (failure) return failure;
    return `${wonLine(ctx, periodOf(ctx))} The CRM records no deal values, so this counts customers won, not money.`;
  },
};

/** "am I on target", "what deals close this month": the period said, else this month. */
function outlookRange(ctx: StepContext): MetricRange {
  return /\b(week|month|quarter|year|days?|yesterday|today|since)\b/i.test(ctx.step.clause) ? periodOf(ctx) : metricRange('this month', ctx.now, ctx.timeZone);
}

const NOT_TRACKED =
  'The CRM does not track deals, deal values, expected close dates, quotas or targets: a contact only moves through statuses (lead → prospect → customer → inactive), so I cannot say what will close when, or whether anyone is on target. What it does record:';

export const dealOutlook: StepHandler = {
  calls(ctx) {
    const prospects = ctx.result('search_contacts', 0) ? [] : [ctx.call('search_contacts', { status: 'PROSPECT', ...mine(ctx), sort: 'leadScore', order: 'desc', limit: 5 }, 0)];
    return [...wonCalls(ctx, outlookRange(ctx)), ...prospects];
  },
  answer(ctx) {
    const failure = failedCall(ctx, 'count the customers won');
    if (failure) return `${NOT_TRACKED}\n${failure}`;
    const prospects = ctx.result('search_contacts', 0)!;
    const rows = prospects.ok ? ((prospects.data?.contacts as Row[]) ?? []) : [];
    const scope = whose(ctx, ' assigned to you', ' you can see');
    const list = !prospects.ok
      ? `I could not list the prospects: ${prospects.summary}`
      : rows.length
        ? `Open prospects${scope} most likely to sign next (highest lead score, search_contacts; ${String(prospects.data?.totalCount)} in all):\n${rows.map((c, n) => `${n + 1}. ${String(c.firstName)} ${String(c.lastName)}${c.company ? ` (${String(c.company)})` : ''} — score ${String(c.leadScore ?? '–')} [crm://contacts/${String(c.id)}]`).join('\n')}`
        : `There are no open prospects${scope}.`;
    return `${NOT_TRACKED}\n- ${wonLine(ctx, outlookRange(ctx))}\n${list}`;
  },
};
