import type { ToolCall } from '@langchain/core/messages/tool';
import type { ToolResult } from '../../tools/toolset.ts';
import { cite, quoteSentences, type Passage } from './answers.ts';
import { resolveDate } from './dates.ts';
import type { Intent } from './intents.ts';
import type { Step } from './plan.ts';
import type { CandidateContact } from './turn.ts';
import { mine, whose, type Me } from './scope.ts';
import { decideApproval, listApprovals } from './approval-steps.ts';
import { dealOutlook, dealsWon } from './deal-steps.ts';
import { insights, newContacts, pipelineStatus, repPerformance, responseTime, sourceRanking, staleContacts } from './team-steps.ts';
import { activityTrend, contactOwner, conversionRate, forecast, noRevenue, ownerName, refuseBulk, refuseConfidential } from './metric-steps.ts';

export interface StepContext {
  step: Step;
  contact?: CandidateContact;
  /** The asker, from get_current_user: read only when the request says "my"/"I"/"me". */
  me?: Me;
  now: Date;
  timeZone: string;
  call(tool: string, args: Record<string, unknown>, n?: number): ToolCall;
  result(tool: string, n?: number): ToolResult | undefined;
  /** Answers of the sub-agents that already worked on this turn (supervisor mode). */
  earlier?: readonly string[];
  /** The approval ids the conversation's latest approval list showed, in order ("approve the first one"). */
  listed?: readonly string[];
  /** Whether a tool is bound for this call (a newer tool is used when there, with a fallback when not). */
  has?(tool: string): boolean;
}

/** A step asks for tool calls until their results are in, then writes its part of the answer. */
export interface StepHandler {
  calls(ctx: StepContext): ToolCall[];
  answer(ctx: StepContext): string;
}

type Row = Record<string, unknown>;
const name = (c: object) => `${String((c as Row).firstName ?? '')} ${String((c as Row).lastName ?? '')}`.trim();
const contactCite = (c: { id: string }) => cite(`crm://contacts/${c.id}`);
const failed = (r: ToolResult, verb: string) => `I could not ${verb}: ${r.summary}`;

/** One call that is needed until its result is in. */
function once(ctx: StepContext, tool: string, args: Record<string, unknown>): ToolCall[] {
  return ctx.result(tool) ? [] : [ctx.call(tool, args)];
}

function interactionKind(text: string): { type: string; channel: string } {
  const t = text.toLowerCase();
  if (/\b(meeting|met|meet)\b/.test(t)) return { type: 'MEETING', channel: 'IN_PERSON' };
  if (/\b(e-?mail|emailed)\b/.test(t)) return { type: 'EMAIL', channel: 'EMAIL' };
  if (/\bchat\b/.test(t)) return { type: 'CHAT', channel: 'CHAT' };
  return { type: 'PHONE_CALL', channel: 'PHONE' };
}

const STATUS_WORDS: [RegExp, string][] = [
  [/\bcustomers?\b|\bsigned\b|\bwon\b/i, 'CUSTOMER'],
  [/\bprospects?\b/i, 'PROSPECT'],
  [/\binactive\b|\blost\b/i, 'INACTIVE'],
  [/\bleads?\b/i, 'LEAD'],
];
const followUpScope = (text: string) => (/overdue|late|missed/i.test(text) ? 'overdue' : /open|all|to-?do/i.test(text) ? 'open' : 'due');
const statusIn = (text: string) => STATUS_WORDS.find(([re]) => re.test(text))?.[1];
/** The status a change asks for: a lead that is "qualified" moves on to PROSPECT (the CRM has no QUALIFIED status). */
const statusOf = (text: string) => (/\bqualified\b/i.test(text) && !/\b(dis|un)qualified\b/i.test(text) ? 'PROSPECT' : statusIn(text));

export const STEP_HANDLERS: Record<Intent, StepHandler> = {
  contact_lookup: {
    calls: () => [],
    answer: ({ contact: c }) =>
      c ? `${name(c)} <${c.email}>${c.company ? ` at ${c.company}` : ''}: status ${c.status ?? 'unknown'}, lead score ${c.leadScore ?? 'not scored'} ${contactCite(c)}.` : '',
  },
  contact_history: {
    calls: (ctx) => once(ctx, 'get_contact_timeline', { contactId: ctx.contact!.id, limit: 5 }),
    answer(ctx) {
      const r = ctx.result('get_contact_timeline')!;
      if (!r.ok) return failed(r, 'read the timeline');
      const items = ((r.data?.interactions as Row[]) ?? []).slice(0, 5);
      // An empty timeline may be one the user may not read (a rep reads only their own interactions): say so, never "none yet".
      if (!items.length) return `I see no interactions with ${name(ctx.contact!)} that you can read ${contactCite(ctx.contact!)}. If you expected some, they may have been logged by another user: a sales rep cannot read other users' interactions.`;
      const lines = items.map((i) => `- ${String(i.createdAt).slice(0, 10)} ${String(i.type).toLowerCase().replace('_', ' ')} (${String(i.direction).toLowerCase()}): "${String(i.subject ?? i.content ?? '').slice(0, 160)}" ${cite(`crm://interactions/${String(i.id)}`)}`);
      return `Latest interactions with ${name(ctx.contact!)} ${contactCite(ctx.contact!)}:\n${lines.join('\n')}`;
    },
  },
  log_interaction: {
    calls: (ctx) => once(ctx, 'log_interaction', { contactId: ctx.contact!.id, ...interactionKind(ctx.step.clause), direction: /\b(inbound|from|called me|emailed me)\b/i.test(ctx.step.clause) ? 'INBOUND' : 'OUTBOUND', content: ctx.step.clause }),
    answer(ctx) {
      const r = ctx.result('log_interaction')!;
      if (!r.ok) return failed(r, 'log the interaction');
      // what was stored, so the user can check it (the answer was "…: [crm://interactions/…]." with nothing quoted)
      const content = String(r.data?.content ?? '').trim();
      const quoted = content ? ` "${content.length > 200 ? `${content.slice(0, 200)}…` : content}"` : '';
      return `Logged the ${String(r.data?.type ?? '').toLowerCase().replace('_', ' ')} with ${name(ctx.contact!)} ${contactCite(ctx.contact!)}:${quoted} ${cite(`crm://interactions/${String(r.data?.id)}`)}.`;
    },
  },
  create_follow_up: {
    calls(ctx) {
      if (ctx.step.date?.choices) return [];
      const due = ctx.step.date ?? resolveDate('tomorrow', ctx.now, ctx.timeZone)!;
      return once(ctx, 'create_follow_up', { contactId: ctx.contact!.id, title: `Follow up with ${name(ctx.contact!)}`, notes: ctx.step.clause, dueAt: due.at });
    },
    answer(ctx) {
      const choices = ctx.step.date?.choices;
      if (choices) return `Which date do you mean by ${ctx.step.date!.phrase}: ${choices[0]} (day/month) or ${choices[1]} (month/day)? Say it as YYYY-MM-DD or "3 February"; I set nothing yet.`;
      const r = ctx.result('create_follow_up')!;
      if (!r.ok) return failed(r, 'create the follow-up');
      const when = ctx.step.date ? `${ctx.step.date.phrase} (${ctx.step.date.date}${ctx.step.date.time ? ` ${ctx.step.date.time}` : ''})` : `tomorrow (no date was given)`;
      return `Follow-up with ${name(ctx.contact!)} set for ${when} ${contactCite(ctx.contact!)}.`;
    },
  },
  list_follow_ups: {
    calls: (ctx) => once(ctx, 'list_follow_ups', { scope: followUpScope(ctx.step.clause), limit: 100, ...mine(ctx, 'ownerId') }),
    answer(ctx) {
      const r = ctx.result('list_follow_ups')!;
      if (!r.ok) return failed(r, 'list follow-ups');
      const items = (r.data?.followUps as Row[]) ?? [];
      const scope = followUpScope(ctx.step.clause);
      const yours = whose(ctx, ' of yours', '');
      if (!items.length) return `No ${scope === 'due' ? 'due' : scope} follow-ups${yours}.`;
      // oldest due date first: the first one is the one to do first
      const count = `${items.length === 100 ? 'At least 100' : items.length} ${scope === 'due' ? 'due or overdue' : scope} follow-up(s)${yours}, most overdue first`;
      const shown = items.slice(0, 10);
      return `${count}${items.length > shown.length ? ` (the first ${shown.length})` : ''}:\n${shown.map((f) => `- ${String(f.dueAt).slice(0, 10)} ${String(f.title)} ${cite(`crm://contacts/${String(f.contactId)}`)}`).join('\n')}`;
    },
  },
  change_status: {
    calls(ctx) {
      const status = statusOf(ctx.step.clause.replace(ctx.contact ? name(ctx.contact) : '', ''));
      return status ? once(ctx, 'change_contact_status', { id: ctx.contact!.id, status, reason: ctx.step.clause.slice(0, 500) }) : [];
    },
    answer(ctx) {
      const r = ctx.result('change_contact_status');
      if (!r) return `Which status should ${name(ctx.contact!)} get: lead, prospect, customer or inactive?`;
      if (!r.ok) return failed(r, 'change the status');
      return `${name(ctx.contact!)} is now ${String(r.data?.status)} ${contactCite(ctx.contact!)}.`;
    },
  },
  count_contacts: {
    calls: (ctx) => once(ctx, 'search_contacts', { ...(statusIn(ctx.step.clause) ? { status: statusIn(ctx.step.clause) } : {}), ...mine(ctx), limit: 1 }),
    answer(ctx) {
      const r = ctx.result('search_contacts')!;
      if (!r.ok) return failed(r, 'count contacts');
      const status = statusIn(ctx.step.clause);
      return `${r.data?.totalCountExact === false ? 'About ' : ''}${String(r.data?.totalCount)} ${status ? status.toLowerCase() + ' ' : ''}contact(s) ${whose(ctx, 'assigned to you', 'you can see')} (counted by search_contacts).`;
    },
  },
  hot_leads: {
    calls(ctx) {
      // open leads only, asked for by status: the highest scores of a tenant are often its
      // customers (scored as of the day they closed), which would crowd the open leads out of a page
      const missing = OPEN_STATUSES.flatMap((status, n) =>
        ctx.result('search_contacts', n) ? [] : [ctx.call('search_contacts', { status, ...mine(ctx), sort: 'leadScore', order: 'desc', limit: 5 }, n)],
      );
      if (missing.length) return missing;
      // "my hottest leads" from someone with none assigned (an owner, a manager): the team's, said so
      if (mine(ctx).assignedTo && openSearches(ctx).every((r) => r.ok) && !topLeads(ctx).length) {
        const team = OPEN_STATUSES.flatMap((status, n) =>
          ctx.result('search_contacts', TEAM + n) ? [] : [ctx.call('search_contacts', { status, sort: 'leadScore', order: 'desc', limit: 5 }, TEAM + n)],
        );
        if (team.length) return team;
      }
      const base = leadsBase(ctx);
      if (openSearches(ctx, base).some((r) => !r.ok) || !/\bwhy\b|reason|explain/i.test(ctx.step.clause)) return [];
      return topLeads(ctx, base).slice(0, 3).flatMap((c, n) => (ctx.result('explain_score', n) ? [] : [ctx.call('explain_score', { contact_id: c.id }, n)]));
    },
    answer(ctx) {
      const base = leadsBase(ctx);
      const failure = [...openSearches(ctx), ...openSearches(ctx, base)].find((r) => !r.ok);
      if (failure) return failed(failure, 'rank the leads');
      const leads = topLeads(ctx, base);
      if (!leads.length) return `There are no open leads${whose(ctx, ' assigned to you', '')} with a score yet.`;
      // a tenant nobody scored yet listed five "score 0" leads as the hottest ones
      if (leads.every((c) => Number(c.leadScore) === 0)) {
        return 'None of your open leads has a lead score yet (all are 0), so I cannot rank them: scoring runs while `crm start` runs, or now with `crm scoring rescore`.';
      }
      const lines = leads.map((c, n) => {
        const why = ctx.result('explain_score', n);
        const factors = why?.ok ? ((why.data?.factors as Row[]) ?? []).slice(0, 2).map(factorText).join('; ') : '';
        return `${n + 1}. ${name(c)}${c.company ? ` (${String(c.company)})` : ''} — score ${String(c.leadScore)}${factors ? `; because ${factors}` : ''} ${contactCite(c as { id: string })}`;
      });
      const head =
        base === TEAM
          ? `No open leads are assigned to you (${ctx.me!.name}), so here are the team's hottest open leads you can see`
          : mine(ctx).assignedTo
            ? `Your hottest open leads (assigned to ${ctx.me!.name})`
            : ctx.step.who === 'team'
              ? "The team's hottest open leads you can see"
              : // a rep reads every contact of the tenant: without "my" the list is not only theirs
                'The hottest open leads you can see';
      return `${head} by lead score:\n${lines.join('\n')}`;
    },
  },
  score_lead: {
    calls: (ctx) => once(ctx, 'explain_score', { contact_id: ctx.contact!.id }),
    answer(ctx) {
      const r = ctx.result('explain_score')!;
      if (!r.ok) return failed(r, 'explain the score');
      const factors = ((r.data?.factors as Row[]) ?? []).slice(0, 3).map(factorText);
      const tips = ((r.data?.improvement_suggestions as string[]) ?? []).slice(0, 2);
      return `${name(ctx.contact!)} has a lead score of ${String(r.data?.score)} ${contactCite(ctx.contact!)}.${factors.length ? ` Main factors: ${factors.join('; ')}.` : ''}${tips.length ? ` Suggested next: ${tips.join('; ')}.` : ''}`;
    },
  },
  knowledge_question: {
    calls: (ctx) => once(ctx, 'search_knowledge', { query: ctx.step.clause, k: 5 }),
    answer(ctx) {
      const r = ctx.result('search_knowledge')!;
      if (!r.ok) return failed(r, 'search the knowledge base');
      const quotes = quoteSentences(ctx.step.clause, (r.data?.results as Passage[]) ?? []);
      if (!quotes.length) return "I don't know: the knowledge base has nothing that answers this.";
      return `From the knowledge base:\n${quotes.map((q) => `- "${q.text}" (${q.title}) ${cite(q.uri)}`).join('\n')}`;
    },
  },
  draft_email: {
    calls: () => [],
    answer: () =>
      'Writing an email needs a language model, and I am the offline planner: I cannot draft or send it. I can log the email once it is sent, show the contact\'s history, or set a follow-up.',
  },
  conversion_rate: conversionRate,
  activity_trend: activityTrend,
  forecast,
  contact_owner: contactOwner,
  owner_name: ownerName,
  refuse_confidential: refuseConfidential,
  refuse_bulk: refuseBulk,
  no_revenue: noRevenue,
  help: {
    calls: () => [],
    answer: () =>
      'I am the offline CRM planner (no language model). I can look up contacts, show their history, log calls, meetings and emails, set and list follow-ups, change a status, count contacts, rank hot leads and explain scores (yours when you say "my", the team\'s when you say "the team\'s"), list new leads, show the pipeline by status, rank lead sources by conversion, report conversion rates, activity, a rep\'s or the team\'s month ("how is Priya doing this month?") and forecasts of the daily counts, list the approvals waiting for you and decide them ("approve the first one"), and quote the knowledge base with citations. The CRM tracks no deal values, close dates, quotas or targets; I say so and give the customers won instead.',
  },
  list_approvals: listApprovals,
  decide_approval: decideApproval,
  pipeline_status: pipelineStatus,
  source_ranking: sourceRanking,
  rep_performance: repPerformance,
  new_contacts: newContacts,
  deals_won: dealsWon,
  deal_outlook: dealOutlook,
  stale_contacts: staleContacts,
  response_time: responseTime,
  insights,
};

/** A scoring factor as people read it: explain_score's `label` ("Meetings, last 7 days"), not its feature name (meeting_7d). */
function factorText(f: Row): string {
  const label = String(f.label ?? f.description ?? f.name ?? f.feature);
  return f.value !== undefined && f.name !== 'other_factors' ? `${label}: ${String(f.value)}` : label;
}

const OPEN_STATUSES = ['LEAD', 'PROSPECT'] as const;

function openSearches(ctx: StepContext, base = 0): ToolResult[] {
  return OPEN_STATUSES.flatMap((_, n) => ctx.result('search_contacts', base + n) ?? []);
}

/** Call index of the team-wide searches made when the caller's own ("my") searches found no open lead. */
const TEAM = OPEN_STATUSES.length;

/** Which searches the hottest leads come from: the team's when "my" found none and the team's were made. */
function leadsBase(ctx: StepContext): number {
  return !topLeads(ctx).length && openSearches(ctx, TEAM).length ? TEAM : 0;
}

/** The five highest-scored open contacts (leads and prospects) of both searches. */
/** The leads a hot-leads answer listed, in its order: what "the first one" refers to in a later message. */
export function listedLeads(ctx: StepContext): CandidateContact[] {
  return topLeads(ctx, leadsBase(ctx)).map((c) => ({
    id: c.id,
    firstName: String(c.firstName),
    lastName: String(c.lastName),
    email: String(c.email),
    company: (c.company as string | null) ?? null,
    status: String(c.status),
    leadScore: c.leadScore as number | null,
  }));
}

function topLeads(ctx: StepContext, base = 0): (Row & { id: string })[] {
  return openSearches(ctx, base)
    .flatMap((r) => (r.data?.contacts as (Row & { id: string })[]) ?? [])
    .filter((c) => (c.status === 'LEAD' || c.status === 'PROSPECT') && c.leadScore != null)
    .sort((a, b) => Number(b.leadScore) - Number(a.leadScore))
    .slice(0, 5);
}
