/**
 * The phrase rules of QA round 5's leftovers and a sales manager's Monday-morning questions. TUNE are
 * the phrasings the rules were written from; HELD_OUT were written afterwards, as paraphrases (other
 * synonyms, word order, politeness, lower case) and never used to adjust a rule — they test whether
 * the rules generalise. NEAR_MISSES must keep their old meaning. One held-out phrasing failed on the
 * first run ("compare our lead sources": the verb before the noun) and the rule was widened to
 * verb-first word order in general (compare/rank/breakdown … sources), not to that sentence.
 */
import { describe, expect, it } from 'vitest';
import { decisionTargets, idPrefixes, shortSummary } from './approval-steps.ts';
import type { Intent } from './intents.ts';
import { planRequest, whoOf } from './plan.ts';
import { performanceSubject } from './rules.ts';
import { staleDays } from './team-steps.ts';
import { inPeriod, metricRange } from './metric-steps.ts';

const MON = new Date('2026-11-30T10:00:00Z');
const intents = (m: string) => planRequest(m, MON, 'Europe/London').steps.map((s) => s.intent);

const TUNE: Record<string, Intent> = {
  'show me the pipeline by status': 'pipeline_status',
  'how many contacts are in each stage?': 'pipeline_status',
  'which sources bring the best leads?': 'source_ranking',
  'where do our best customers come from?': 'source_ranking',
  'how is Priya doing this month?': 'rep_performance',
  "Daniel's numbers last week": 'rep_performance',
  'how am I doing': 'rep_performance',
  "how's the team doing this week?": 'rep_performance',
  'summarise last week': 'rep_performance',
  'approve 3f2a': 'decide_approval',
  'approve the first one': 'decide_approval',
  'reject the second one, wrong contact': 'decide_approval',
  'How many new leads came in last week?': 'new_contacts',
  'what did we win last week?': 'deals_won',
  "Who hasn't been contacted in 30 days?": 'stale_contacts',
  'which leads went cold?': 'stale_contacts',
  "what's overdue?": 'list_follow_ups',
  "What's on my plate today?": 'list_follow_ups',
  'What should I focus on this morning?': 'list_follow_ups',
  'any anomalies in the last month?': 'insights',
  'what changed since Friday?': 'insights',
  'How is sentiment trending?': 'insights',
  "what's our average response time to inbound leads?": 'response_time',
  "what's our lead velocity?": 'deals_won',
  'how did the webinar campaign do?': 'conversion_rate',
  'who logged the most calls last week?': 'activity_trend',
  'Which of my prospects are closest to signing?': 'hot_leads',
};

const HELD_OUT: Record<string, Intent> = {
  'give me a pipeline summary': 'pipeline_status',
  'pipeline breakdown by stage please': 'pipeline_status',
  'what does the funnel look like?': 'pipeline_status',
  'which lead source converts best?': 'source_ranking',
  'which channel gives us the highest quality leads?': 'source_ranking',
  'compare our lead sources': 'source_ranking',
  'How has Liam been doing lately?': 'rep_performance',
  'is Sofia performing?': 'rep_performance',
  "what are Priya's stats this week?": 'rep_performance',
  'How did we do last week?': 'rep_performance',
  'who is my top rep this month?': 'rep_performance',
  'Give me a recap of last week': 'rep_performance',
  'ok, approve 8779fcc0 please': 'decide_approval',
  'please reject both of them': 'decide_approval',
  'can you approve #2': 'decide_approval',
  'any new sign-ups yesterday?': 'new_contacts',
  'how many deals did we close this month?': 'deals_won',
  "Which prospects haven't heard from us in two weeks?": 'stale_contacts',
  'show me stale leads': 'stale_contacts',
  'what tasks are overdue?': 'list_follow_ups',
  'what should I prioritise today?': 'list_follow_ups',
  'anything unusual in the numbers this week?': 'insights',
  'did anything spike last month?': 'insights',
  'how quickly do we reply to inbound enquiries?': 'response_time',
  'how long does it take leads to become customers?': 'deals_won',
  'how is the partner channel performing?': 'conversion_rate',
  'who had the fewest meetings this month?': 'activity_trend',
  'which leads are most likely to close?': 'hot_leads',
  "who's ready to buy?": 'hot_leads',
};

const NEAR_MISSES: Record<string, Intent[]> = {
  'Which leads in my pipeline are hottest?': ['hot_leads'],
  'Is Dana at the right pipeline stage?': ['contact_lookup'],
  'what is the conversion rate by source?': ['conversion_rate'],
  'how many new leads will come in next week?': ['forecast'],
  'mark Yara as customer, she signed yesterday': ['change_status'],
  'What approvals are waiting for me?': ['list_approvals'],
  'Does a 15% discount need approval?': ['knowledge_question'],
  // knowledge-base questions (core/demo-kb/questions*.json) the first version of these rules took
  'What is the response time for an urgent issue like the website being down?': ['knowledge_question'],
  'When is the monthly report sent to clients?': ['knowledge_question'],
  'how fast do we have to answer a complaint': ['knowledge_question'],
  'what numbers did email get for the fasteners client - pipeline, % of online sales etc': ['knowledge_question'],
  'how many customers do we have': ['count_contacts'],
  'how many interactions did the team log last week?': ['activity_trend'],
};

describe('Monday-morning questions are planned by rules that generalise', () => {
  it.each(Object.entries(TUNE))('tune: %s → %s', (message, intent) => {
    expect(intents(message)).toEqual([intent]);
  });
  it.each(Object.entries(HELD_OUT))('held out: %s → %s', (message, intent) => {
    expect(intents(message)).toEqual([intent]);
  });
  it.each(Object.entries(NEAR_MISSES))('near miss keeps its meaning: %s', (message, expected) => {
    expect(intents(message)).toEqual(expected);
  });

  it('finds whom a performance question is about: a name, "me", or the team', () => {
    expect(performanceSubject('how is Priya doing this month?')).toEqual({ name: 'Priya' });
    expect(performanceSubject('How is Priya Shah performing?')).toEqual({ name: 'Priya Shah' });
    expect(performanceSubject("what are Daniel's numbers")).toEqual({ name: 'Daniel' });
    expect(performanceSubject('how am I doing this week')).toEqual({ self: true });
    expect(performanceSubject('how is the team doing')).toBeUndefined();
    expect(performanceSubject('How did we do last week?')).toBeUndefined();
  });

  it('counts "since Friday" from the latest Friday before today (UTC)', () => {
    expect(metricRange('what changed since Friday?', MON)).toMatchObject({ start: new Date('2026-11-27T00:00:00Z'), end: MON, label: 'since Friday' });
    expect(metricRange('since monday', MON).start).toEqual(new Date('2026-11-23T00:00:00Z'));
  });

  it('reads the silence a stale-contacts question names', () => {
    expect(staleDays("who hasn't been contacted in 45 days")).toBe(45);
    expect(staleDays('not heard from in two weeks')).toBe(14);
    expect(staleDays('which leads went cold?')).toBe(30);
  });
});

/**
 * "My" questions and deals/targets (QA: they listed other reps' contacts or quoted playbooks). WHO_TUNE
 * are the phrasings the rules and `whoOf` were written from; WHO_TEST were written afterwards and
 * never used to adjust a rule. First run of WHO_TEST: 14 of 16. "list the leads created yesterday"
 * failed on a bug, not a wording: the new "<leads> created <period>" alternative was anchored at the
 * start of the message (it lacked the `.*` its siblings have); with that fixed, 15 of 16. The miss
 * left ("haven't I called": a word between "n't" and the verb) was then fixed by a grammar rule (a
 * question's inverted subject pronoun may stand there) — after it had been seen, so it is no longer
 * counted as a test phrasing: it sits in WHO_SEEN_MISSES, and WHO_TEST's score stays 15 of 16.
 */
const WHO_TUNE: Record<string, [Intent, 'me' | 'team' | undefined]> = {
  'how am I doing this month': ['rep_performance', 'me'],
  'my hottest leads': ['hot_leads', 'me'],
  'my follow-ups today': ['list_follow_ups', 'me'],
  'which of my contacts went quiet': ['stale_contacts', 'me'],
  'what did I log this week': ['activity_trend', 'me'],
  'what deals close this month': ['deal_outlook', undefined],
  'am I on target': ['deal_outlook', 'me'],
  'am I on track to hit my quota?': ['deal_outlook', 'me'],
  'new leads last week': ['new_contacts', undefined],
  "show me the team's hottest leads": ['hot_leads', 'team'],
  'show me leads created last week': ['new_contacts', undefined],
  'tell me my hottest leads': ['hot_leads', 'me'],
};

const WHO_TEST: Record<string, [Intent, 'me' | 'team' | undefined]> = {
  "what's on my list for today?": ['list_follow_ups', 'me'],
  'show me my top leads': ['hot_leads', 'me'],
  'which of my leads have gone cold?': ['stale_contacts', 'me'],
  'how many customers do I have?': ['count_contacts', 'me'],
  'how have I been doing this week?': ['rep_performance', 'me'],
  'how many calls did I log this week?': ['activity_trend', 'me'],
  'my new leads this week': ['new_contacts', 'me'],
  'list the leads created yesterday': ['new_contacts', undefined],
  'will I hit my target this quarter?': ['deal_outlook', 'me'],
  'which deals are closing next week?': ['deal_outlook', undefined],
  "what's my quota?": ['deal_outlook', 'me'],
  'are we on track for this month?': ['deal_outlook', 'team'],
  'who are the hottest leads across the team?': ['hot_leads', 'team'],
  'what are my overdue tasks?': ['list_follow_ups', 'me'],
  'give me my numbers for this month': ['rep_performance', 'me'],
};
/** Test phrasings that were missed and fixed after being seen (not counted as test phrasings any more). */
const WHO_SEEN_MISSES: Record<string, [Intent, 'me' | 'team' | undefined]> = {
  "what prospects of mine haven't I called in 3 weeks?": ['stale_contacts', 'me'],
};

const planned = (m: string) => planRequest(m, MON, 'Europe/London').steps.map((s) => [s.intent, s.who]);

describe('who is asking: "my" questions and deals/targets', () => {
  it.each(Object.entries(WHO_TUNE))('tune: %s → %j', (message, expected) => {
    expect(planned(message)).toEqual([expected]);
  });
  it.each(Object.entries(WHO_TEST))('test: %s → %j', (message, expected) => {
    expect(planned(message)).toEqual([expected]);
  });
  it.each(Object.entries(WHO_SEEN_MISSES))('seen miss, fixed: %s → %j', (message, expected) => {
    expect(planned(message)).toEqual([expected]);
    expect(staleDays(message)).toBe(21);
  });
  it('reads "this quarter" and "last quarter" as calendar quarters in the tenant\'s days', () => {
    expect(metricRange('will I hit my target this quarter?', MON, 'Europe/London')).toMatchObject({ start: new Date('2026-10-01T00:00:00+01:00'), end: MON, label: 'this quarter' });
    expect(metricRange('last quarter', new Date('2027-02-10T12:00:00Z'), 'UTC')).toMatchObject({ start: new Date('2026-10-01T00:00:00Z'), end: new Date('2027-01-01T00:00:00Z') });
  });
  it('reads "show me", "tell me" as a request, not as whose records', () => {
    expect(whoOf('show me the pipeline')).toBeUndefined();
    expect(whoOf('give me the hottest leads')).toBeUndefined();
    expect(whoOf('show me my follow-ups')).toBe('me');
    expect(whoOf("how is my team doing?")).toBe('team');
    expect(whoOf('what did we win?')).toBe('team');
  });
});

describe('approval decisions typed in the chat', () => {
  const ids = ['3f2a9c1b-0000-4000-8000-000000000001', '3f2a9c1b-1111-4000-8000-000000000002', '8779fcc0-4ca7-4425-87ae-8c76141aecbf'];
  const queue = ids.map((id, n) => ({ id, status: n === 1 ? 'approved' : 'pending' }));

  it('prints prefixes of at least 8 characters that tell the listed ids apart', () => {
    const p = idPrefixes(ids);
    expect(p.get(ids[2]!)).toBe('8779fcc0');
    expect(p.get(ids[0]!)).toBe('3f2a9c1b-0');
    expect(p.get(ids[1]!)).toBe('3f2a9c1b-1');
  });

  it('summarises an assistant action in one short line instead of its JSON arguments', () => {
    const line = shortSummary({
      kind: 'agent_action',
      summary: 'change_contact_status {"id":"43d9b4c6-022e-44ad-905d-6adaaf94a55d","status":"CUSTOMER","reason":"mark Cerys Price as customer because she signed the contract"} — change_contact_status overwrites…',
      action: { tool: 'change_contact_status', arguments: { id: '43d9b4c6-022e-44ad-905d-6adaaf94a55d', status: 'CUSTOMER', reason: 'mark Cerys Price as customer because she signed the contract' } },
    });
    expect(line).toBe('change_contact_status id=43d9b4c6 status="CUSTOMER" reason="mark Cerys Price as customer…"');
    expect(shortSummary({ kind: 'workflow_activation', summary: 'Activate workflow "Nurture" version 1\nsteps: …' })).toBe('Activate workflow "Nurture" version 1');
  });

  it('resolves id starts (pending first), places in the last list, "both", and says what is wrong otherwise', () => {
    expect(decisionTargets('approve 8779', [], queue)).toEqual({ decisions: [{ id: ids[2], decision: 'approve' }] });
    // two ids start 3f2a9c1b; only one of them is pending, so deciding picks it (as `crm approvals approve` does)
    expect(decisionTargets('reject 3f2a9c1b, wrong contact', [], queue)).toEqual({ decisions: [{ id: ids[0], decision: 'reject' }] });
    expect(decisionTargets('approve the second one and reject the first', [ids[2]!, ids[0]!], queue)).toEqual({
      decisions: [
        { id: ids[0], decision: 'approve' },
        { id: ids[2], decision: 'reject' },
      ],
    });
    expect(decisionTargets('approve both', [ids[2]!, ids[0]!], queue)).toEqual({ decisions: [{ id: ids[2], decision: 'approve' }, { id: ids[0], decision: 'approve' }] });
    expect(decisionTargets('approve it', [ids[2]!], queue)).toEqual({ decisions: [{ id: ids[2], decision: 'approve' }] });
    expect(decisionTargets('approve the first one', [], queue)).toMatchObject({ problem: expect.stringMatching(/has not listed any approval requests/) });
    expect(decisionTargets('approve the third one', [ids[2]!], queue)).toMatchObject({ problem: expect.stringMatching(/has 1 request\(s\); there is no number 3/) });
    expect(decisionTargets('approve 9c9c', [], queue)).toMatchObject({ problem: expect.stringMatching(/No approval request you can see starts with "9c9c"/) });
    expect(decisionTargets('approve', [], queue)).toMatchObject({ problem: expect.stringMatching(/^Which request\?/) });
    // a number in a reason is not an id
    expect(decisionTargets('reject 8779fcc0, the price 1500 is too low', [], queue)).toEqual({ decisions: [{ id: ids[2], decision: 'reject' }] });
  });
});

describe('a campaign or source with no contacts in the period', () => {
  it('says so instead of answering with the overall rate only', async () => {
    const { conversionRate } = await import('./metric-steps.ts');
    const data = { metrics: [{ key: 'conversion_rate', value: 0.1, sampleSize: 20 }, { key: 'conversion_rate:source=partner', value: 0.5, sampleSize: 4 }] };
    const ctx = (clause: string) => ({
      step: { intent: 'conversion_rate' as const, clause },
      now: MON,
      timeZone: 'UTC',
      call: () => ({ id: 'x', name: 'get_metrics', args: {} }),
      result: () => ({ callId: 'x', name: 'get_metrics', ok: true, summary: '', data, sources: [] }),
    });
    expect(conversionRate.answer(ctx('how did the webinar campaign do?'))).toMatch(/no contacts from webinar were created then; all sources 10\.0% \(2 of 20 contacts\)/);
    expect(conversionRate.answer(ctx('how is the partner channel performing?'))).toMatch(/partner 50\.0% \(2 of 4 contacts\)/);
    expect(conversionRate.answer(ctx('what is our conversion rate by source?'))).toMatch(/Best sources: partner 50\.0%/);
  });
});

describe("the team steps' periods are the tenant's days", () => {
  it('asks get_metrics for this month from local midnight (Auckland), not UTC', async () => {
    const { pipelineStatus } = await import('./team-steps.ts');
    const calls: { name: string; args: Record<string, unknown> }[] = [];
    const ctx = {
      step: { intent: 'pipeline_status' as const, clause: 'show me the pipeline by status this month' },
      now: new Date('2026-11-28T06:00:00Z'),
      timeZone: 'Pacific/Auckland',
      call: (name: string, args: Record<string, unknown>) => (calls.push({ name, args }), { id: 'x', name, args }),
      result: () => undefined,
    };
    pipelineStatus.calls(ctx as never);
    // 1 November 00:00 in Auckland (NZDT, +13) is 31 October 11:00 UTC
    expect(calls[0]).toMatchObject({ name: 'get_metrics', args: { date_range: { start: '2026-10-31T11:00:00.000Z' } } });
  });
});

describe('a period after a verb reads as English', () => {
  const now = new Date('2026-11-25T15:00:00Z');
  it.each([
    ['what did we win last week?', ' last week'],
    ['interactions this month', ' this month'],
    ['leads created yesterday', ' yesterday'],
    ['calls since Friday', ' since Friday'],
    ['contacts in the last 90 days', ' in the last 90 days'],
    ['how many leads?', ' in the last 30 days'],
    ['deals won in October 2026', ' in October 2026'],
  ])('%s → "…%s"', (question, phrase) => {
    expect(inPeriod(metricRange(question, now))).toBe(phrase);
  });
});
