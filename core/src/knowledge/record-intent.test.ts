import { describe, expect, it } from 'vitest';
import { mentionsTime, relativeTimeWindowDays, reportsSpeech, talksAboutConversations, withoutRelativeTime } from './record-intent.ts';

describe('record intent: time references', () => {
  it.each([
    'calls with dental clients last week',
    'what came in yesterday',
    'emails from the past 3 months about reporting',
    'complaints 2 weeks ago',
    'anything on Friday about the audit',
    'notes from 2026-03-02',
    'meetings on 3/4',
    'renewals in may',
    'who churned in March',
    'proposal sent on 12th of june',
    'pricing talks early sept',
  ])('"%s" names a time', (q) => expect(mentionsTime(q)).toBe(true));

  it.each([
    'how long til seo shows anything',
    'what should a written proposal include',
    'may we use the client logo in a case study',
    'minimum term for ppc',
    'how much off for 2 services',
  ])('"%s" names no time', (q) => expect(mentionsTime(q)).toBe(false));

  it('counts "last year" as a time even in a question about reports (a known trade-off: the sources then alternate)', () => {
    expect(mentionsTime('compare results with the same month last year')).toBe(true);
  });
});

describe('record intent: reported speech', () => {
  it('counts what someone said, not what to say', () => {
    expect(reportsSpeech('which clients complained about slow reports')).toBe(true);
    expect(reportsSpeech('the prospect said they had a bad agency before')).toBe(true);
    expect(reportsSpeech('what do we tell someone who wants to be #1 on google')).toBe(false);
    expect(reportsSpeech('what to say when a client asks for a discount')).toBe(false);
  });
});

describe('record intent: conversations without a name', () => {
  it.each(['who asked for a discount on the setup fee', 'prospects worried about results', 'voicemails about the audit', 'calls where pricing came up', 'who pushed back on the fee'])(
    '"%s" is about conversations',
    (q) => expect(talksAboutConversations(q)).toBe(true),
  );
  it.each(['what to say when a client asks for a discount', 'how long is the discovery call', 'who owns the google ads account', 'how do I respond when a lead complains we are too pricey'])(
    '"%s" is a playbook question',
    (q) => expect(talksAboutConversations(q)).toBe(false),
  );
});

describe('record intent: relative time windows', () => {
  it.each([
    ['discovery calls yesterday', 2],
    ['onboarding calls this week', 7],
    ['quotes from last week', 14],
    ['pricing calls in the last two weeks', 15],
    ['quote requests from the last 30 days', 31],
    ['proposals we sent this month', 31],
    ['complaints last month', 62],
    ['meetings in the past month', 31],
    ['renewals this quarter', 92],
    ['who called recently', 31],
    ['past few days', 4],
  ] as const)('"%s" reaches %i days back', (q, days) => expect(relativeTimeWindowDays(q)).toBe(days));

  it.each(['notes from 2026-03-02', 'who churned in March', 'complaints 2 weeks ago', 'what should a proposal include'])('"%s" has no window back from now', (q) =>
    expect(relativeTimeWindowDays(q)).toBeNull(),
  );
});

describe('record intent: the question without its relative time', () => {
  it.each([
    ['voicemails left in the past week', 'voicemails left'],
    ['quote requests from the last 30 days', 'quote requests'],
    ['discovery calls yesterday', 'discovery calls'],
    ['onboarding calls this week', 'onboarding calls'],
    ['what did clients say about their reports last month', 'what did clients say about their reports'],
    ['last week', 'last week'],
  ])('"%s" → "%s"', (q, rest) => expect(withoutRelativeTime(q)).toBe(rest));
});
