import { describe, expect, it } from 'vitest';
import { mentionsTime, reportsSpeech } from './record-intent.ts';

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
