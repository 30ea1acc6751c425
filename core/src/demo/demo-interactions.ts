/**
 * One contact's interaction timeline. Engagement is drawn conditional on the contact's latent
 * heat `h` (hot leads engage more, more often inbound, book meetings, fill in forms, sound
 * happier), which is what makes the outcome learnable from the timeline.
 *
 * Leakage rule: the deal-won email at `closedAt` and every interaction after it carry the tag
 * POST_SALE_TAG. A lead scorer trained on these data must drop them (and anything at or after
 * `closedAt`), otherwise "has an onboarding call" trivially predicts "converted".
 */
import type { Channel, Direction, InteractionType, LogInteractionInput } from '../interactions/interaction.schema.ts';
import {
  CLOSING_EMAIL,
  FORM_SUBMISSIONS,
  KICKOFF_MEETING,
  MOOD_EMOTIONS,
  renderTemplate,
  TRADE_SHOW_MEETING,
  templateFor,
  VOICEMAIL,
  type Mood,
  type Slots,
  type Stage,
  type Template,
} from './demo-content.ts';
import { clamp, round2, type Rng } from './demo-random.ts';
import { WEB_PAGES, type DemoSource } from './demo-vocabulary.ts';

export const POST_SALE_TAG = 'post-sale';
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export interface DemoInteraction {
  contactKey: string;
  /** Who logged it; absent for anonymous web activity. */
  userKey?: string;
  input: Omit<LogInteractionInput, 'contactId'> & { occurredAt: Date };
}

/** What the timeline builder needs to know about a contact (internal to the generator). */
export interface TimelinePlan {
  key: string;
  source: DemoSource;
  heat: number;
  /** Furthest sales stage the conversation reached before it closed or went quiet. */
  depth: Exclude<Stage, 'post-sale'>;
  createdAtMs: number;
  /** End of pre-sale activity: the close for won deals, when it went quiet otherwise. */
  activeEndMs: number;
  /** Set for won deals: the deal-won moment. */
  wonAtMs?: number;
  repKey?: string;
  slots: Slots;
  companySlug: string;
  serviceKey: string;
  formOrigin: keyof typeof FORM_SUBMISSIONS | undefined;
}

const STAGE_ORDER: readonly Exclude<Stage, 'post-sale'>[] = ['intro', 'discovery', 'proposal'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

interface Draft {
  type: InteractionType;
  direction: Direction;
  stage: Stage;
  at: number;
  template?: Template;
  channel?: Channel;
  tags?: string[];
  /** The interaction that created the contact (form fill, intro email, booth chat...). */
  origin?: boolean;
}

export function buildTimeline(rng: Rng, plan: TimelinePlan, nowMs: number, volume: number): DemoInteraction[] {
  const h = plan.heat;
  // Some people just write warmly or tersely: a per-contact tone keeps sentiment an honest but noisy signal.
  const tone = rng.normal(0, 0.3);
  const drafts: Draft[] = [originDraft(rng, plan)];
  const end = Math.min(plan.activeEndMs, nowMs - MINUTE);
  const span = Math.max(end - plan.createdAtMs, MINUTE);
  const spanDays = span / DAY;
  const lambda = volume * (0.2 + 1.7 * h) * Math.min(1, Math.sqrt(spanDays / 45));
  const extra = Math.max(rng.poisson(lambda), plan.wonAtMs !== undefined ? 3 : 0);
  const depthIdx = STAGE_ORDER.indexOf(plan.depth);
  for (let i = 0; i < extra; i++) {
    const f = rng.float();
    const stageIdx = Math.min(depthIdx, f < 0.3 ? 0 : f < 0.7 ? 1 : 2);
    const stage = STAGE_ORDER[stageIdx];
    const type = pickType(rng, stage, h);
    drafts.push({ type, direction: pickDirection(rng, type, h), stage, at: plan.createdAtMs + f * span });
  }
  if (plan.wonAtMs !== undefined) drafts.push(...postSaleDrafts(rng, plan.wonAtMs, nowMs));

  const out = drafts.map((d) => {
    const post = d.stage === 'post-sale';
    const lo = post ? plan.wonAtMs! : plan.createdAtMs;
    const hi = post ? nowMs - MINUTE : end;
    const at = d.origin || d.template === CLOSING_EMAIL ? d.at : placeInTime(rng, d.at, lo, hi, d.type);
    return render(rng, plan, { ...d, at }, tone);
  });
  return out.sort((a, b) => a.input.occurredAt.getTime() - b.input.occurredAt.getTime());
}

function originDraft(rng: Rng, plan: TimelinePlan): Draft {
  return { ...originKind(rng, plan), origin: true, stage: 'intro', at: plan.createdAtMs + rng.int(1, 20) * MINUTE };
}

function originKind(rng: Rng, plan: TimelinePlan): Omit<Draft, 'stage' | 'at'> {
  switch (plan.source) {
    case 'referral':
    case 'partner':
      return { type: 'EMAIL', direction: 'INBOUND', tags: [plan.source] };
    case 'linkedin':
      return { type: 'SOCIAL_MEDIA', direction: rng.chance(0.5) ? 'INBOUND' : 'OUTBOUND', channel: 'LINKEDIN' };
    case 'trade_show':
      return { type: 'MEETING', direction: 'OUTBOUND', template: TRADE_SHOW_MEETING, channel: 'IN_PERSON' };
    case 'cold_outbound':
      return { type: 'EMAIL', direction: 'OUTBOUND', tags: ['cold-outreach'] };
    default:
      return { type: 'FORM_SUBMISSION', direction: 'INBOUND' };
  }
}

function pickType(rng: Rng, stage: Stage, h: number): InteractionType {
  return rng.weighted<InteractionType>([
    ['EMAIL', 34],
    ['WEBSITE_VISIT', 14 * (0.4 + h)],
    ['PHONE_CALL', stage === 'intro' ? 10 : 15],
    ['MEETING', stage === 'intro' ? 1.5 * h : 0.5 + 24 * h * h],
    ['FORM_SUBMISSION', 0.3 + 12 * h * h],
    ['SOCIAL_MEDIA', 9],
    ['CHAT', 5 * (0.4 + h)],
  ]);
}

function pickDirection(rng: Rng, type: InteractionType, h: number): Direction {
  const inbound: Record<InteractionType, number> = {
    EMAIL: 0.1 + 0.6 * h,
    PHONE_CALL: 0.05 + 0.45 * h,
    MEETING: 0.05 + 0.8 * h,
    CHAT: 0.7 + 0.25 * h,
    SOCIAL_MEDIA: 0.2 + 0.5 * h,
    FORM_SUBMISSION: 1,
    WEBSITE_VISIT: 1,
  };
  return rng.chance(inbound[type]) ? 'INBOUND' : 'OUTBOUND';
}

function postSaleDrafts(rng: Rng, wonAt: number, nowMs: number): Draft[] {
  const drafts: Draft[] = [{ type: 'EMAIL', direction: 'INBOUND', stage: 'post-sale', at: wonAt, template: CLOSING_EMAIL }];
  let t = wonAt + rng.range(2, 8) * DAY;
  if (t < nowMs) drafts.push({ type: 'MEETING', direction: 'OUTBOUND', stage: 'post-sale', at: t, template: KICKOFF_MEETING });
  for (let i = 0; i < 12; i++) {
    t += rng.range(10, 35) * DAY;
    if (t >= nowMs) break;
    const [type, direction] = rng.weighted<[InteractionType, Direction]>([
      [['EMAIL', 'OUTBOUND'], 4],
      [['EMAIL', 'INBOUND'], 2],
      [['PHONE_CALL', 'OUTBOUND'], 2],
      [['MEETING', 'OUTBOUND'], 1],
    ]);
    drafts.push({ type, direction, stage: 'post-sale', at: t });
  }
  return drafts;
}

/** Moves people-driven activity into working hours on weekdays, when that stays inside [lo, hi]. */
function placeInTime(rng: Rng, at: number, lo: number, hi: number, type: InteractionType): number {
  let t = Math.floor(at / 1000) * 1000;
  if (type !== 'WEBSITE_VISIT' && type !== 'FORM_SUBMISSION') {
    const d = new Date(t);
    const weekday = d.getUTCDay();
    const shift = weekday === 6 ? 2 : weekday === 0 ? 1 : 0;
    const snapped = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + shift, rng.int(8, 17), rng.int(0, 59));
    if (snapped > lo && snapped < hi) t = snapped;
  }
  return clamp(t, lo + 1000, Math.max(hi, lo + 1000));
}

function render(rng: Rng, plan: TimelinePlan, d: Draft, tone: number): DemoInteraction {
  const h = plan.heat;
  const post = d.stage === 'post-sale';
  const month = MONTHS[(new Date(d.at).getUTCMonth() + 11) % 12];
  // Mutated in place rather than copied: 20k copies of the slot map are most of the garbage.
  const slots = plan.slots;
  slots.month = month;
  const moodScore = clamp(rng.normal(post ? 0.5 + tone / 2 : -0.3 + 1.0 * h + tone, 0.35), -1, 1);
  const mood: Mood = moodScore > 0.25 ? 'positive' : moodScore < -0.15 ? 'negative' : 'neutral';
  const tags = new Set<string>([...(d.tags ?? []), plan.serviceKey]);
  const input: DemoInteraction['input'] = {
    type: d.type,
    channel: d.channel ?? channelFor(rng, d.type),
    direction: d.direction,
    content: '',
    occurredAt: new Date(d.at),
  };
  let userKey: string | undefined = plan.repKey ?? 'u-marketing';

  if (d.type === 'WEBSITE_VISIT' || d.type === 'FORM_SUBMISSION') {
    userKey = undefined;
    Object.assign(input, d.type === 'WEBSITE_VISIT' ? websiteVisit(rng, h, tags) : formSubmission(rng, plan, d, slots, tags));
  } else {
    const template = d.template ?? templateFor(d.type, d.direction, d.stage);
    const text = renderTemplate(rng, template, slots);
    input.subject = text.subject;
    input.content = text.content;
    for (const tag of text.tags) tags.add(tag);
    let connected = true;
    if (d.type === 'PHONE_CALL' || d.type === 'MEETING') {
      connected = d.type === 'MEETING' || d.direction === 'INBOUND' || post || rng.chance(0.35 + 0.6 * h);
      if (!connected) {
        input.content = rng.fill(rng.pick(VOICEMAIL.content), slots);
        input.outcome = rng.pick(VOICEMAIL.outcome);
        input.duration = 1;
        tags.add('voicemail');
      } else {
        input.duration = d.type === 'PHONE_CALL' ? rng.int(4, 40) : d.template === TRADE_SHOW_MEETING ? rng.int(5, 15) : rng.pick([30, 45, 60, 60, 90]);
        if (template.outcomes) input.outcome = rng.fill(rng.pick(template.outcomes[mood]), slots);
        if (mood === 'positive' && rng.chance(0.4)) input.scheduledFollowUp = new Date(d.at + rng.int(2, 10) * DAY);
      }
      if (input.channel === 'CHAT') input.metadata = { platform: rng.pick(['Zoom', 'Google Meet', 'Microsoft Teams']), video: true };
      if (d.type === 'MEETING' && d.stage === 'proposal' && rng.chance(0.3)) userKey = 'u-sales-manager';
    }
    // LinkedIn-only gestures stay on LinkedIn whatever network was drawn.
    if (d.type === 'SOCIAL_MEDIA' && /InMail|connection/.test(input.content)) input.channel = 'LINKEDIN';
    const sentimentBearing = d.type === 'EMAIL' || d.type === 'PHONE_CALL' || d.type === 'MEETING';
    if (sentimentBearing && connected) input.sentiment = sentiment(rng, d, moodScore, mood);
    if (d.type === 'EMAIL' && /attached/i.test(input.content)) input.attachments = [attachmentFor(rng, plan, d, month)];
    if (d.type === 'EMAIL' && d.direction === 'OUTBOUND' && d.stage === 'proposal') input.outcome = 'Proposal sent';
  }
  if (post) tags.add(POST_SALE_TAG);
  input.tags = [...tags];
  const interaction: DemoInteraction = { contactKey: plan.key, input };
  if (userKey) interaction.userKey = userKey;
  return interaction;
}

function channelFor(rng: Rng, type: InteractionType): Channel {
  switch (type) {
    case 'EMAIL':
      return 'EMAIL';
    case 'PHONE_CALL':
      return 'PHONE';
    case 'MEETING':
      // CHAT stands for a video call (Zoom/Meet/Teams); PHONE for a conference call.
      return rng.weighted<Channel>([['CHAT', 55], ['IN_PERSON', 30], ['PHONE', 15]]);
    case 'SOCIAL_MEDIA':
      return rng.weighted<Channel>([['LINKEDIN', 65], ['TWITTER', 20], ['FACEBOOK', 15]]);
    case 'CHAT':
      return 'CHAT';
    default:
      return 'WEBSITE';
  }
}

function sentiment(rng: Rng, d: Draft, moodScore: number, mood: Mood): NonNullable<DemoInteraction['input']['sentiment']> {
  // Our own outbound emails read polite-positive whatever the lead thinks, with less confidence.
  const ours = d.type === 'EMAIL' && d.direction === 'OUTBOUND';
  const score = ours ? clamp(rng.normal(0.3, 0.12), -1, 1) : moodScore;
  const m: Mood = ours ? (score > 0.25 ? 'positive' : 'neutral') : mood;
  const emotions = rng.sample(MOOD_EMOTIONS[m], rng.int(1, 2));
  return { score: round2(score), confidence: round2(ours ? rng.range(0.5, 0.75) : rng.range(0.62, 0.97)), emotions };
}

function websiteVisit(rng: Rng, h: number, tags: Set<string>): Partial<DemoInteraction['input']> {
  const pages = rng.sample(WEB_PAGES, rng.int(1, 2 + Math.round(4 * h)));
  if (rng.chance(0.15 + 0.5 * h) && !pages.includes('/pricing')) pages.push('/pricing');
  if (pages.includes('/pricing')) tags.add('pricing-page');
  tags.add('web');
  const seconds = rng.int(20, 90) * pages.length;
  return {
    subject: `Visited ${pages[pages.length - 1]}`,
    content: `Viewed ${pages.length} page${pages.length > 1 ? 's' : ''} in ${Math.max(1, Math.round(seconds / 60))} min: ${pages.join(', ')}`,
    metadata: { pages, durationSeconds: seconds },
  };
}

function formSubmission(rng: Rng, plan: TimelinePlan, d: Draft, slots: Slots, tags: Set<string>): Partial<DemoInteraction['input']> {
  const kind =
    d.origin && plan.formOrigin
      ? plan.formOrigin
      : rng.weighted<keyof typeof FORM_SUBMISSIONS>([['resource', 3], ['quote', 1 + 3 * plan.heat], ['audit', 1 + 2 * plan.heat], ['meeting', 0.5 + 3 * plan.heat]]);
  const form = FORM_SUBMISSIONS[kind];
  for (const tag of form.tags) tags.add(tag);
  return { subject: rng.fill(form.subject, slots), content: rng.fill(form.content, slots), metadata: { form: kind } };
}

function attachmentFor(rng: Rng, plan: TimelinePlan, d: Draft, month: string): string {
  if (d.template === CLOSING_EMAIL) return `signed-agreement-${plan.companySlug}.pdf`;
  if (d.stage === 'proposal') return `brightwave-proposal-${plan.companySlug}-v${rng.int(1, 3)}.pdf`;
  if (d.stage === 'post-sale') return `${plan.companySlug}-${month.toLowerCase()}-report.pdf`;
  return `case-study-${plan.serviceKey}.pdf`;
}
