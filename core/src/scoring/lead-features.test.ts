import { describe, expect, it } from 'vitest';
import { extractLeadFeatures, inferCustomFieldSpecs, isFreeEmailDomain, leadFeatureSpecs, positionSeniority, type LeadInteraction } from './lead-features.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const at = (day: number) => new Date(T0 + day * DAY);
const contact = {
  email: 'jane@acme-corp.com',
  company: 'Acme',
  position: 'Head of Growth',
  phone: null,
  source: 'webinar',
  campaign: 'cmp-2026-q1-webinar',
  createdAt: at(0),
  customFields: { budget: 12000, industry: 'SaaS', newsletter: 'yes' },
};
const i = (day: number, type: string, channel: string, direction: 'INBOUND' | 'OUTBOUND', extra: Partial<LeadInteraction> = {}): LeadInteraction => ({
  type,
  channel,
  direction,
  occurredAt: at(day),
  ...extra,
});

// As of day 100: one interaction 95 days back, three within 30 days, one within 7, and things that must not count.
const timeline: LeadInteraction[] = [
  i(5, 'EMAIL', 'EMAIL', 'OUTBOUND', { sentiment: 0.2 }),
  i(75, 'FORM_SUBMISSION', 'WEBSITE', 'INBOUND'),
  i(80, 'MEETING', 'IN_PERSON', 'INBOUND', { sentiment: 0.8 }),
  i(85, 'WEBSITE_VISIT', 'WEBSITE', 'INBOUND'),
  i(96, 'EMAIL', 'EMAIL', 'INBOUND', { sentiment: -0.4 }),
  i(100, 'MEETING', 'IN_PERSON', 'INBOUND'), // exactly at the cutoff: not yet known
  i(130, 'MEETING', 'CHAT', 'INBOUND'), // after the cutoff
  i(98, 'MEETING', 'CHAT', 'OUTBOUND', { tags: ['post-sale'] }), // onboarding: never a feature
];

describe('extractLeadFeatures', () => {
  const custom = [
    { key: 'budget', kind: 'numeric' as const },
    { key: 'industry', kind: 'categorical' as const },
    { key: 'newsletter', kind: 'boolean' as const },
  ];
  const f = extractLeadFeatures(contact, timeline, at(100), custom);

  it('counts engagement by window, type and channel as of the instant', () => {
    expect(f).toMatchObject({ interactions_total: 5, interactions_90d: 4, interactions_30d: 4, interactions_7d: 1 });
    expect(f).toMatchObject({ email_7d: 1, email_90d: 1, meeting_30d: 1, meeting_7d: 0, form_submission_30d: 1, website_visit_30d: 1 });
    expect(f).toMatchObject({ channel_website_30d: 2, channel_in_person_90d: 1, channel_email_90d: 1, channel_chat_90d: 0 });
    expect(f).toMatchObject({ meetings_total: 1, form_submissions_total: 1, website_visits_total: 1, inbound_30d: 4, inbound_90d: 4 });
  });

  it('derives recency, inbound ratio and sentiment', () => {
    expect(f.days_since_last_interaction).toBeCloseTo(4, 9);
    expect(f.days_since_last_inbound).toBeCloseTo(4, 9);
    expect(f.inbound_ratio).toBeCloseTo(4 / 5, 9);
    expect(f.mean_sentiment).toBeCloseTo((0.2 + 0.8 - 0.4) / 3, 9);
    expect(f.lead_age_days).toBe(100);
  });

  it('reads fit from the contact: source, campaign, seniority, email domain, company, custom fields', () => {
    expect(f).toMatchObject({ source: 'webinar', campaign: 'cmp-2026-q1-webinar', seniority: 'Director', corporate_email: true, has_company: true, has_phone: false });
    expect(f).toMatchObject({ cf_budget: 12000, cf_industry: 'SaaS', cf_newsletter: true });
    expect(Object.keys(f).sort()).toEqual(leadFeatureSpecs(custom).map((s) => s.name).sort());
  });

  it('never sees the future: nothing at or after the cutoff, and no post-sale interaction', () => {
    const before = extractLeadFeatures(contact, timeline.slice(0, 5), at(100), custom);
    expect(f).toEqual(before);
    const early = extractLeadFeatures(contact, timeline, at(50), custom);
    expect(early).toMatchObject({ interactions_total: 1, meetings_total: 0, days_since_last_interaction: 45, lead_age_days: 50 });
  });

  it('marks what is unknown as missing rather than zero', () => {
    const none = extractLeadFeatures({ email: 'x@gmail.com', createdAt: at(0) }, [], at(10));
    expect(none).toMatchObject({ interactions_total: 0, inbound_ratio: null, days_since_last_interaction: null, mean_sentiment: null, seniority: null, source: null });
    expect(none).toMatchObject({ corporate_email: false, has_company: false });
  });
});

describe('lead fit helpers', () => {
  it.each([
    ['Founder & CEO', 'C-level'],
    ['Chief Marketing Officer', 'C-level'],
    ['VP, Digital', 'VP'],
    ['Head of Digital', 'Director'],
    ['Marketing Director', 'Director'],
    ['Office Manager', 'Manager'],
    ['SEO Specialist', 'Specialist'],
    ['Marketing Intern', 'Intern'],
    ['Wizard', 'Other'],
    ['', null],
  ])('seniority of "%s" is %s', (title, level) => expect(positionSeniority(title)).toBe(level));

  it('tells free mailboxes from company domains', () => {
    expect(['a@gmail.com', 'b@yahoo.co.uk', 'c@Hotmail.fr', 'd@outlook.com'].map(isFreeEmailDomain)).toEqual([true, true, true, true]);
    expect(['a@acme.com', 'b@gmail.company.com'].map(isFreeEmailDomain)).toEqual([false, false]);
  });

  it('infers which custom fields to use and how', () => {
    const fields = Array.from({ length: 100 }, (_, k) => ({
      budget: k * 100,
      industry: ['SaaS', 'Retail', 'Health'][k % 3],
      vip: k % 2 === 0,
      notes: `free text ${k}`,
      ...(k < 10 ? { rare: 'x' } : {}),
    }));
    expect(inferCustomFieldSpecs(fields)).toEqual([
      { key: 'budget', kind: 'numeric' },
      { key: 'industry', kind: 'categorical' },
      { key: 'vip', kind: 'boolean' },
    ]);
  });

  it('reads export amounts as numbers and placeholders as empty, in specs and values alike (QA round 4: Salesforce and Zoho exports)', () => {
    const fields = Array.from({ length: 100 }, (_, k) => ({
      'Annual Revenue': ['$1,500,000', '250000', '$12,000,000', '-None-'][k % 4],
      'No. of Employees': ['50', '1,200', '', '--None--'][k % 4],
      Rating: ['Hot', 'Warm', '-None-', 'Select'][k % 4],
    }));
    const specs = inferCustomFieldSpecs(fields);
    // "1,200" and "$1,500,000" made both columns categories; "-None-" was a level
    expect(specs).toEqual([
      { key: 'Annual Revenue', kind: 'numeric' },
      { key: 'No. of Employees', kind: 'numeric' },
      { key: 'Rating', kind: 'categorical' },
    ]);
    const valuesOf = (k: number) => {
      const f = extractLeadFeatures({ ...contact, customFields: fields[k] }, [], at(100), specs);
      return [f.cf_annual_revenue, f.cf_no_of_employees, f.cf_rating];
    };
    expect([0, 1, 2, 3].map(valuesOf)).toEqual([
      [1_500_000, 50, 'Hot'],
      [250_000, 1200, 'Warm'],
      [12_000_000, null, null],
      [null, null, null],
    ]);
  });

  it('never uses an imported record id (customFields.externalId, "Record ID") as a feature (it became a numeric one)', () => {
    const fields = Array.from({ length: 100 }, (_, k) => ({ externalId: String(1000 + k), industry: ['SaaS', 'Retail'][k % 2] }));
    expect(inferCustomFieldSpecs(fields)).toEqual([{ key: 'industry', kind: 'categorical' }]);
  });
});
