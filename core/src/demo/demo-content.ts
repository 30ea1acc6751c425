/**
 * Templated subjects, bodies and outcomes for demo interactions. A template has topics (a subject
 * and the sentence that carries it, kept together so they agree) plus interchangeable openers,
 * asides and sign-offs, so a few dozen sentences give thousands of distinct, on-topic notes for
 * the RAG and insight agents to read.
 */
import type { Direction, InteractionType } from '../interactions/interaction.schema.ts';
import type { Rng } from './demo-random.ts';

export type Stage = 'intro' | 'discovery' | 'proposal' | 'post-sale';
export type Mood = 'positive' | 'neutral' | 'negative';
export type Slots = Record<string, string | readonly string[]>;

export interface Topic {
  subjects: readonly string[];
  lines: readonly string[];
  tags?: readonly string[];
  /** Only used when this slot is filled (e.g. a lead magnet the contact actually downloaded). */
  requires?: string;
}

export interface Template {
  topics: readonly Topic[];
  open?: readonly string[];
  extra?: readonly (readonly string[])[];
  close?: readonly string[];
  outcomes?: Readonly<Record<Mood, readonly string[]>>;
  tags: readonly string[];
}

export function renderTemplate(rng: Rng, t: Template, slots: Slots): { subject: string; content: string; tags: string[] } {
  const topic = rng.pick(t.topics.filter((x) => !x.requires || slots[x.requires] !== undefined));
  const parts = [t.open && rng.pick(t.open), rng.pick(topic.lines), ...(t.extra ?? []).map((g) => rng.pick(g)), t.close && rng.pick(t.close)];
  return {
    subject: rng.fill(rng.pick(topic.subjects), slots),
    content: parts.filter((p): p is string => !!p).map((p) => rng.fill(p, slots)).join(' '),
    tags: [...t.tags, ...(topic.tags ?? [])],
  };
}

const callOutcomes = {
  positive: ['Booked a strategy session', 'Agreed to review a proposal', 'Wants pricing for {service} this week', 'Strong fit — moving forward'],
  neutral: ['Asked for a case study first', 'Will discuss internally and revert', 'Revisit after their budget review', 'Sent follow-up materials'],
  negative: ['Not a priority this quarter', 'Concerned about price', 'Happy with {competitor} for now', 'Asked to be contacted in six months'],
} as const;
const accountOutcomes = {
  positive: ['Client happy with progress', 'Renewal likely', 'Asked about adding CRO'],
  neutral: ['Action items sent', 'Roadmap agreed'],
  negative: ['Client worried about slow results', 'Asked to revisit scope'],
} as const;
const greet = ['Hi {first},', 'Hello {first},', 'Hi {first}, hope your week is going well.'];
const greetRep = ['Hi {rep},', 'Hello {rep},', 'Thanks {rep},'];
const signOff = ['Best, {first}', 'Thanks, {first}', 'Cheers, {first}'];

const T: Record<string, Template> = {
  'EMAIL:OUTBOUND:intro': {
    open: greet,
    topics: [
      { subjects: ['Ideas for {company}\'s {service}', '{first}, a few quick wins for your {short}'], lines: ['I had a quick look at {domain} and spotted a few opportunities in your {service}.'] },
      { subjects: ['Brightwave x {company}', 'Quick question about {company}'], lines: ['We help {industry} teams grow with {service}, and {company} looks like a great fit.'] },
      { subjects: ['Following up on {magnet}'], lines: ['Thanks for grabbing {magnet} — I hope it was useful.'], requires: 'magnet' },
      { subjects: ['How a {industry} brand grew with {service}'], lines: ['One {industry} client saw a {pct}% lift in qualified leads within three months of starting {service} with us.'], tags: ['case-study'] },
    ],
    extra: [['Most teams your size leave 20–30% of their ad budget on the table.', 'Happy to share a short teardown, no strings attached.', 'It usually takes us a week to find the first quick wins.']],
    close: ['Would a 20-minute call next week be useful?', 'Open to a quick chat on Thursday?', 'Let me know if it is worth a conversation.'],
    tags: ['outreach'],
  },
  'EMAIL:INBOUND:intro': {
    open: ['Hi {rep},', 'Hello,', 'Hi {rep}, thanks for reaching out.'],
    topics: [
      { subjects: ['Question about your {service} services', 'Enquiry from {company}'], lines: ['We are looking for help with {service} and found you online.', 'We are reviewing agencies for {service} this quarter.'] },
      { subjects: ['Our {short} is underperforming'], lines: ['Our {short} has been underperforming since the spring.'] },
      { subjects: ['Do you work with {industry} brands?'], lines: ['Do you have examples from the {industry} space?'] },
      { subjects: ['Pricing for {service}?'], lines: ['What does a typical engagement cost? Our monthly budget is around {budget}.'], tags: ['pricing'] },
    ],
    close: signOff,
    tags: ['enquiry'],
  },
  'EMAIL:OUTBOUND:discovery': {
    open: ['Great speaking with you, {first}.', 'Thanks again for your time today, {first}.'],
    topics: [
      { subjects: ['Recap of our call + next steps'], lines: ['As promised, here is the summary: we agreed to focus on {service} first and measure qualified leads and CPA.'] },
      { subjects: ['{service} findings for {domain}'], lines: ['The audit flagged slow pages, thin category content and missing schema markup.', 'Your Google Ads account has overlapping keywords and no negative lists.', 'Tracking is incomplete: GA4 is missing key conversion events.'], tags: ['audit'] },
      { subjects: ['Case study: {industry} growth with {service}'], lines: ['I attached a case study from a similar {industry} client: {pct}% more qualified leads in a quarter.'], tags: ['case-study'] },
    ],
    extra: [['Fixing the basics alone should move the needle within 60 days.', 'Happy to walk your team through it.', 'Most of this can run alongside your in-house work.']],
    close: ['Shall I put together a proposal?', 'Let me know who else should be on the next call.', 'Next step: a 45-minute strategy session.'],
    tags: ['discovery'],
  },
  'EMAIL:INBOUND:discovery': {
    open: ['Thanks {rep}, this is really helpful.', 'Thanks for the summary.', 'Appreciate the detail here.'],
    topics: [
      { subjects: ['Re: Recap of our call + next steps', 'A few questions'], lines: ['How long before we typically see results from {service}?', 'Would you manage the {short} or train our team?'] },
      { subjects: ['References?'], lines: ['Can you share references from {industry} clients?'] },
      { subjects: ['Looping in our CFO'], lines: ['Our CFO will want to see projected ROI before we go further.'], tags: ['pricing'] },
    ],
    extra: [['We are also talking to {competitor}.', 'Timing-wise we are aiming for next quarter.', 'The budget is roughly {budget} a month.']],
    close: signOff,
    tags: ['discovery'],
  },
  'EMAIL:OUTBOUND:proposal': {
    open: greet,
    topics: [
      { subjects: ['Proposal: {service} for {company}'], lines: ['Please find the proposal attached: option A covers {service} at {budget}/month; option B adds reporting and CRO.'] },
      { subjects: ['Revised pricing options'], lines: ['As discussed, the revised options are attached: we reduced the setup fee and kept a 3-month minimum term.'], tags: ['pricing'] },
      { subjects: ['Statement of work for review', 'Updated scope and timeline'], lines: ['Attached is the updated scope: a 30-day audit, then monthly {service} sprints.'] },
    ],
    extra: [['We can start within two weeks of signature.', 'Pricing is valid until the end of the month.', 'Happy to adjust the scope to fit your budget.']],
    close: ['Any questions, just reply here.', 'Shall we book 30 minutes to walk through it?'],
    tags: ['proposal'],
  },
  'EMAIL:INBOUND:proposal': {
    open: greetRep,
    topics: [
      { subjects: ['Re: Proposal: {service} for {company}', 'Questions on the proposal'], lines: ['Can we start with a 3-month pilot instead of 6?', 'Is the reporting dashboard included in option A?'] },
      { subjects: ['Contract terms'], lines: ['Legal asked about the termination clause and data ownership.'], tags: ['contract'] },
      { subjects: ['Budget approval update'], lines: ['The budget is approved in principle; finance wants to confirm the payment terms.', 'The price is a bit above what we planned.'], tags: ['pricing'] },
    ],
    extra: [['We should have a decision by Friday.', 'Our CEO wants one more call.', 'We need to compare with {competitor}.']],
    close: signOff,
    tags: ['proposal'],
  },
  'EMAIL:OUTBOUND:post-sale': {
    open: ['Hi {first},', 'Hello team,'],
    topics: [
      { subjects: ['Your {month} performance report'], lines: ['Attached is the {month} report: organic sessions up {pct}% and cost per lead down.'], tags: ['reporting'] },
      { subjects: ['Next month\'s {service} plan'], lines: ['Here is the plan for next month\'s {service} work, prioritised by expected impact.'] },
      { subjects: ['Access request: Google Ads & GA4'], lines: ['Could you grant us access to Google Ads, GA4 and Search Console for the new properties?'] },
    ],
    close: ['Let us know if anything is unclear.', 'Happy to walk through it on our next call.'],
    tags: ['account-management'],
  },
  'EMAIL:INBOUND:post-sale': {
    open: greetRep,
    topics: [
      { subjects: ['Re: Your {month} performance report'], lines: ['Great results this month, the team is happy.', 'Thanks for the report — can we dig into the drop in paid conversions?'], tags: ['reporting'] },
      { subjects: ['New landing pages'], lines: ['Can we add the new landing pages to the scope?'] },
      { subjects: ['Re: Access request'], lines: ['Access granted for Ads and GA4.'] },
    ],
    close: signOff,
    tags: ['account-management'],
  },
  'PHONE_CALL:OUTBOUND:intro': {
    topics: [
      { subjects: ['Intro call'], lines: ['Called {first} to introduce Brightwave.'] },
      { subjects: ['Follow-up call on {magnet}'], lines: ['Followed up by phone after the {magnet} download.'], requires: 'magnet' },
      { subjects: ['Follow-up call'], lines: ['Quick call about their {service} after the email.'] },
    ],
    extra: [['They currently handle {service} with {competitor}.', 'Budget is around {budget}/month.', 'Main pain point is lead quality from paid channels.', 'They rebuilt the site last year and traffic dropped.']],
    outcomes: callOutcomes,
    tags: ['call'],
  },
  'PHONE_CALL:INBOUND:intro': {
    topics: [
      { subjects: ['Inbound call about pricing'], lines: ['{first} called asking about {service} pricing.'], tags: ['pricing'] },
      { subjects: ['Inbound enquiry'], lines: ['{first} called after reading our {industry} case study.'] },
    ],
    extra: [['Wants to understand retainers versus project pricing.', 'They need help before their busy season.', 'Budget is around {budget}/month.']],
    outcomes: callOutcomes,
    tags: ['call'],
  },
  'PHONE_CALL:OUTBOUND:discovery': {
    topics: [
      { subjects: ['Discovery call', 'Qualification call'], lines: ['Discovery call with {first} from {company}.'] },
      { subjects: ['Audit walkthrough call'], lines: ['Walked {first} through the audit findings for their {short}.'], tags: ['audit'] },
    ],
    extra: [['Goals: more qualified leads and lower cost per acquisition.', 'Decision maker is the CEO; {first} owns the budget.', 'They want results before the next board meeting.', 'Current agency contract ends next quarter.']],
    outcomes: callOutcomes,
    tags: ['call', 'discovery'],
  },
  'PHONE_CALL:INBOUND:discovery': {
    topics: [
      { subjects: ['Questions about the audit'], lines: ['{first} called back with questions about the audit.'], tags: ['audit'] },
      { subjects: ['Call from {first} about timelines'], lines: ['{first} rang to discuss timelines.'] },
    ],
    extra: [['Asked how we report on {service} results.', 'Wants to know who would manage their account day to day.', 'Asked whether we can start next month.']],
    outcomes: callOutcomes,
    tags: ['call', 'discovery'],
  },
  'PHONE_CALL:OUTBOUND:proposal': {
    topics: [
      { subjects: ['Proposal follow-up call'], lines: ['Followed up on the proposal with {first}.'] },
      { subjects: ['Pricing discussion', 'Negotiation call'], lines: ['Discussed pricing options with {first}.'], tags: ['pricing'] },
    ],
    extra: [['They asked for a shorter minimum term.', 'Comparing us with {competitor}.', 'Legal review in progress.', 'Budget approval expected this week.']],
    outcomes: callOutcomes,
    tags: ['call', 'proposal'],
  },
  'PHONE_CALL:INBOUND:proposal': {
    topics: [
      { subjects: ['Call about contract terms'], lines: ['{first} called about the contract terms.'], tags: ['contract'] },
      { subjects: ['Call from {first} about the proposal'], lines: ['{first} rang with final questions on the proposal.'] },
    ],
    extra: [['Asked for a discount on the setup fee.', 'Wants the reporting dashboard included.', 'Confirmed the start date works for them.']],
    outcomes: callOutcomes,
    tags: ['call', 'proposal'],
  },
  'PHONE_CALL:OUTBOUND:post-sale': {
    topics: [
      { subjects: ['Onboarding call'], lines: ['Onboarding call with {first}: confirmed access to all ad accounts.'], tags: ['onboarding'] },
      { subjects: ['Monthly check-in'], lines: ['Monthly check-in with {first}: reviewed the {month} results and next priorities.'] },
      { subjects: ['Content calendar call'], lines: ['Agreed next month\'s content calendar with {first}.'] },
    ],
    outcomes: accountOutcomes,
    tags: ['call', 'account-management'],
  },
  'MEETING:OUTBOUND:discovery': {
    topics: [
      { subjects: ['Strategy session with {company}'], lines: ['Strategy session with {first} and two colleagues: mapped the funnel from first visit to closed deal.'] },
      { subjects: ['Discovery meeting'], lines: ['Discovery meeting with {first}: agreed KPIs — qualified leads, CPA and revenue.'] },
      { subjects: ['{service} workshop'], lines: ['Workshop with {first} on our {service} approach and timeline.'] },
    ],
    extra: [['They asked for a proposal by next week.', 'They need to align internally first.', 'Strong interest from the CEO.', 'Reviewed competitors\' search visibility.']],
    outcomes: callOutcomes,
    tags: ['meeting', 'discovery'],
  },
  'MEETING:INBOUND:discovery': {
    topics: [
      { subjects: ['Meeting requested by {first}'], lines: ['{first} asked to meet to discuss {service}.'] },
      { subjects: ['Intro meeting: {company}'], lines: ['{first} booked an intro meeting through the website.'] },
    ],
    extra: [['They have a launch coming up and need help fast.', 'Their in-house marketer is leaving.', 'They want to consolidate agencies.'], ['Very engaged, lots of questions.', 'Asked for references.']],
    outcomes: callOutcomes,
    tags: ['meeting', 'discovery'],
  },
  'MEETING:OUTBOUND:proposal': {
    topics: [
      { subjects: ['Proposal walkthrough', 'Final presentation'], lines: ['Presented the proposal to {first} and their CFO.'] },
      { subjects: ['Pricing review meeting'], lines: ['Walked {first} through the scope and pricing options.'], tags: ['pricing'] },
    ],
    extra: [['Questions on reporting cadence and minimum term.', 'They liked the phased rollout.', 'They pushed back on the setup fee.']],
    outcomes: callOutcomes,
    tags: ['meeting', 'proposal'],
  },
  'MEETING:INBOUND:proposal': {
    topics: [
      { subjects: ['Meeting to finalise scope'], lines: ['{first} asked to meet to finalise the scope: start with {service}, add reporting later.'] },
      { subjects: ['Contract review meeting'], lines: ['{first} set up a meeting with their legal team to review the contract.'], tags: ['contract'] },
    ],
    extra: [['Clarified the termination clause.', 'Discussed an earlier start date.', 'Agreed the reporting cadence.']],
    outcomes: callOutcomes,
    tags: ['meeting', 'proposal'],
  },
  'MEETING:OUTBOUND:post-sale': {
    topics: [
      { subjects: ['Quarterly business review'], lines: ['Quarterly review with {first}: qualified leads up {pct}% and next quarter\'s roadmap agreed.'], tags: ['qbr'] },
      { subjects: ['{service} planning session'], lines: ['Planning session with {first} and the {company} team on the next {service} sprint.'] },
    ],
    outcomes: accountOutcomes,
    tags: ['meeting', 'account-management'],
  },
  'CHAT:INBOUND:any': {
    topics: [
      { subjects: ['Live chat: pricing question'], lines: ['Visitor asked for a ballpark price for {service}.'], tags: ['pricing'] },
      { subjects: ['Live chat: {service}'], lines: ['Visitor asked about {service} packages.', 'Visitor asked how quickly we can start.'] },
      { subjects: ['Live chat: do you work with {industry}?'], lines: ['Visitor asked whether we work with {industry} companies.'] },
    ],
    extra: [['{rep} answered and shared the case studies page.', 'Shared the booking link for a call.', 'Offered a free {short} review.']],
    tags: ['chat'],
  },
  'CHAT:OUTBOUND:any': {
    topics: [
      { subjects: ['Proactive chat on pricing page'], lines: ['Proactive chat while they browsed the pricing page.'] },
      { subjects: ['Chat follow-up'], lines: ['Followed up in chat after their last visit.'] },
    ],
    extra: [['Shared the booking link.', 'Sent a short case study.']],
    tags: ['chat'],
  },
  'SOCIAL_MEDIA:INBOUND:any': {
    topics: [
      { subjects: ['Liked our post on {service}'], lines: ['{first} liked our post about {service}.'] },
      { subjects: ['Commented on our {industry} case study'], lines: ['{first} commented on our {industry} case study: "Great insights, we see the same issue."'] },
      { subjects: ['Accepted connection request'], lines: ['{first} accepted the connection request.'] },
      { subjects: ['Shared our article'], lines: ['{first} shared our article on {service} trends.'] },
    ],
    tags: ['social'],
  },
  'SOCIAL_MEDIA:OUTBOUND:any': {
    topics: [
      { subjects: ['Connection request'], lines: ['Sent a connection request to {first}.'] },
      { subjects: ['InMail: {service} ideas'], lines: ['Sent an InMail about {service} for {company}.'] },
      { subjects: ['Shared a case study'], lines: ['Shared our {industry} case study with {first}.'], tags: ['case-study'] },
    ],
    tags: ['social'],
  },
};

export function templateFor(type: InteractionType, direction: Direction, stage: Stage): Template {
  const s = stage === 'intro' && type === 'MEETING' ? 'discovery' : stage;
  return T[`${type}:${direction}:${s}`] ?? T[`${type}:${direction}:any`] ?? T[`${type}:OUTBOUND:${s}`];
}

/** The moment a deal is won; it and everything after it is tagged post-sale. */
export const CLOSING_EMAIL: Template = {
  open: greetRep,
  topics: [
    { subjects: ['Signed agreement'], lines: ['Attached is the signed agreement for {service}.'] },
    { subjects: ['Re: Statement of work — signed'], lines: ['The contract is signed and attached — excited to get started.'] },
    { subjects: ['Let\'s go ahead'], lines: ['We are happy to go ahead with option A; signed copy attached.'] },
  ],
  close: ['Please send the onboarding details. Best, {first}', 'Who will be our account lead? Cheers, {first}'],
  tags: ['closed-won'],
};

export const KICKOFF_MEETING: Template = {
  topics: [{ subjects: ['Kickoff meeting', 'Onboarding workshop'], lines: ['Kickoff with {first} and the {company} team: set goals for the first 90 days and shared the onboarding checklist.'] }],
  extra: [['Agreed weekly status updates.', 'Access to ad accounts still pending.', 'Introduced the account team.']],
  outcomes: accountOutcomes,
  tags: ['meeting', 'onboarding', 'kickoff'],
};

export const TRADE_SHOW_MEETING: Template = {
  topics: [
    { subjects: ['Met at {campaign}'], lines: ['Spoke with {first} at our booth.'] },
    { subjects: ['Booth conversation at {campaign}'], lines: ['Scanned {first}\'s badge after the {service} talk.'] },
  ],
  extra: [['Interested in {service}; budget around {budget}/month.', 'Currently working with {competitor}.', 'Wants to see {industry} case studies.']],
  outcomes: callOutcomes,
  tags: ['trade-show'],
};

export const FORM_SUBMISSIONS = {
  download: { subject: 'Downloaded: {magnet}', content: 'Form: resource download. Company: {company}. Role: {position}. Interest: {service}.', tags: ['content-download'] },
  resource: { subject: 'Downloaded: {resource}', content: 'Form: resource download. Company: {company}. Role: {position}.', tags: ['content-download'] },
  quote: { subject: 'Contact form: request a quote', content: 'Message: "We are looking for help with {service}. Budget about {budget}/month. Please get in touch."', tags: ['quote-request'] },
  audit: { subject: 'Requested a free {short} review', content: 'Form: free audit request for {domain}. Main goal: more qualified leads.', tags: ['audit-request'] },
  webinar: { subject: 'Registered: {campaign}', content: 'Webinar registration. Question for the panel: "How should a {industry} business split budget across channels?"', tags: ['webinar'] },
  meeting: { subject: 'Booked a call via the website', content: 'Calendar booking: 30-minute intro call about {service}.', tags: ['booking'] },
} as const;

export const FOLLOW_UP_TITLES: Record<'LEAD' | 'PROSPECT' | 'CUSTOMER' | 'INACTIVE', readonly string[]> = {
  LEAD: ['Call {first} about {magnet}', 'Qualify {company}: budget and timeline', 'Send {first} the {industry} case study', 'Connect with {first} on LinkedIn'],
  PROSPECT: ['Send {service} proposal to {first} ({company})', 'Chase {first} for feedback on the audit', 'Book proposal walkthrough with {company}', 'Send revised pricing to {first}', 'Answer {first}\'s contract questions'],
  CUSTOMER: ['Prepare {month} report for {company}', 'Schedule QBR with {first}', 'Upsell CRO to {company}', 'Collect testimonial from {first}'],
  INACTIVE: ['Re-engage {first} next quarter'],
};

export const VOICEMAIL = {
  content: ['Called {first}, no answer. Left a voicemail about {service}.', 'Tried {first} — went to voicemail. Will follow up by email.', 'No answer from {first}; left a short message with my number.'],
  outcome: ['Left voicemail', 'No answer', 'Voicemail — will try again'],
} as const;

export const MOOD_EMOTIONS: Record<Mood, readonly string[]> = {
  positive: ['interest', 'optimism', 'trust', 'excitement', 'gratitude'],
  neutral: ['curiosity', 'caution', 'neutral'],
  negative: ['concern', 'frustration', 'skepticism', 'impatience'],
};

