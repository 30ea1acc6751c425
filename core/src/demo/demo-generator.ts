/**
 * Deterministic demo tenant: "Brightwave Digital", a small marketing agency with ~2,000 contacts
 * and ~20,000 interactions over the 12 months before `now`. Pure: same options ⇒ identical output.
 *
 * How outcomes are made (so a lead scorer has something real, but not trivial, to learn):
 *  1. Each contact gets a latent propensity z = observable fit (source, seniority, corporate vs
 *     free email, company size, budget, assigned rep) + an unobserved N(0, 1) part.
 *  2. Engagement is drawn from heat = sigmoid(z): hot leads have more interactions, more of them
 *     inbound, more meetings and form fills, pricing-page visits and warmer sentiment.
 *  3. The outcome is a Bernoulli draw on sigmoid(z), then timed: won deals close after a sales
 *     cycle, lost ones go quiet and are marked inactive weeks later; anything whose close would
 *     fall after `now` is still open. Timeline and outcome only share z, so they agree noisily.
 * Interactions at/after a win are tagged POST_SALE_TAG — see demo-interactions.ts.
 */
import type { ContactStatus, CreateContactInput } from '../contacts/contact.schema.ts';
import type { CreateUserInput } from '../users/user.schema.ts';
import { buildTimeline, DAY, HOUR, type DemoInteraction, type TimelinePlan } from './demo-interactions.ts';
import { buildCompanies, buildFollowUps, drawPerson, type DemoFollowUp } from './demo-people.ts';
import { clamp, Rng, sigmoid } from './demo-random.ts';
import {
  CAMPAIGN_SPECS,
  COMPETITORS,
  DEMO_TENANT,
  DEMO_USER_DOMAIN,
  DEMO_USERS,
  FIRST_NAMES,
  IP_PREFIXES,
  LAST_NAMES,
  LEAD_MAGNETS,
  PARTNERS,
  REFERRER_URLS,
  REP_EFFECT,
  SERVICES,
  SOURCE_PROFILE,
  USER_AGENTS,
  type DemoSource,
} from './demo-vocabulary.ts';

export { POST_SALE_TAG, type DemoInteraction } from './demo-interactions.ts';
export { summariseDemoTenant, type DemoTenantSummary } from './demo-summary.ts';
export type { DemoFollowUp } from './demo-people.ts';
export type { DemoSource } from './demo-vocabulary.ts';

export type DemoUser = CreateUserInput & { key: string };
export type DemoOutcome = 'converted' | 'lost' | 'open';

export interface DemoCampaign {
  id: string;
  name: string;
  /** The contact source this campaign feeds. */
  channel: DemoSource;
  startedAt: Date;
}

export interface DemoContact {
  /** Stable id within the demo (c0001...), used to link interactions and follow-ups. */
  key: string;
  /** `status`, `leadScore` and `assignedTo` are left unset: the seeder maps keys to ids. */
  input: CreateContactInput;
  /** Final status as of `now`. */
  status: ContactStatus;
  createdAt: Date;
  assignedToUserKey?: string;
  outcome: DemoOutcome;
  /** When the deal was won (converted) or the contact marked inactive (lost). */
  closedAt?: Date;
}

export interface DemoTenant {
  tenant: { name: string; slug: string };
  users: DemoUser[];
  campaigns: DemoCampaign[];
  contacts: DemoContact[];
  interactions: DemoInteraction[];
  followUps: DemoFollowUp[];
}

export interface DemoTenantOptions {
  seed?: number;
  contacts?: number;
  interactionsPerContactMean?: number;
  /** The generator's "today"; everything happens in the 12 months before it. */
  now: Date;
  /**
   * Generate the same tenant whatever the clock time of `now` (see WEEK_ANCHOR_MS): what seeding
   * "as of the current time" uses. Without it the tenant is generated exactly at `now` (fixed test
   * and evaluation dates).
   */
  stable?: boolean;
}

const SOURCE_WEIGHTS = SOURCE_PROFILE.map(([s, share]) => [s, share] as const);
const SOURCE_EFFECT = new Map(SOURCE_PROFILE.map(([s, , effect]) => [s, effect]));
/** The newest rep gets a little less of the inbound flow. */
const REP_WEIGHTS = [['u-rep-1', 26], ['u-rep-2', 26], ['u-rep-3', 26], ['u-rep-4', 22]] as const;
/** Calibrates the per-contact Poisson rate so the overall mean lands near the requested one. */
const VOLUME_PER_MEAN = 1.05;

/**
 * With `stable`, the generator always runs at this weekday and time of day (a Sunday noon, UTC), the
 * latest such instant at or before the requested `now`, so the same seed gives the same tenant —
 * every comparison it makes is relative and its calendar rules (office hours, weekends) repeat
 * weekly. The result is then moved forward by whole days to end within a day of `now`: times of
 * day stay in office hours, and the data no longer depends on the clock time it was seeded at
 * (it used to: a lead-scoring model trained on it swung between CV AUC 0.69 and 0.88 in one day).
 */
const WEEK_ANCHOR_MS = Date.UTC(2026, 2, 15, 12);
const WEEK = 7 * DAY;

export function generateDemoTenant(options: DemoTenantOptions): DemoTenant {
  const { seed = 42, contacts: count = 2000, interactionsPerContactMean = 10, now } = options;
  const requestedMs = now instanceof Date ? now.getTime() : Number.NaN;
  if (!Number.isFinite(requestedMs)) throw new TypeError('generateDemoTenant: `now` must be a valid Date');
  const nowMs = options.stable ? WEEK_ANCHOR_MS + Math.floor((requestedMs - WEEK_ANCHOR_MS) / WEEK) * WEEK : requestedMs;
  const shiftMs = Math.floor((requestedMs - nowMs) / DAY) * DAY;
  if (!Number.isInteger(count) || count < 0) throw new RangeError('generateDemoTenant: `contacts` must be a non-negative integer');

  const rng = new Rng(seed);
  const users: DemoUser[] = DEMO_USERS.map((u) => ({
    key: u.key,
    name: u.name,
    role: u.role,
    email: `${u.name.toLowerCase().replace(/[^a-z ]/g, '').replace(' ', '.')}@${DEMO_USER_DOMAIN}`,
  }));
  const campaigns = CAMPAIGN_SPECS.map(([slug, name, channel, daysAgo]): DemoCampaign => {
    const startedAt = new Date(Date.UTC(...ymd(nowMs - daysAgo * DAY), 9));
    const quarter = Math.floor(startedAt.getUTCMonth() / 3) + 1;
    return { id: `cmp-${startedAt.getUTCFullYear()}-q${quarter}-${slug}`, name, channel, startedAt };
  });
  const companies = buildCompanies(rng, Math.max(20, Math.round(count * 0.55)));
  const usedEmails = new Set(users.map((u) => u.email));
  const volume = interactionsPerContactMean * VOLUME_PER_MEAN;

  const contacts: DemoContact[] = [];
  const interactions: DemoInteraction[] = [];
  for (let i = 0; i < count; i++) {
    const key = `c${String(i + 1).padStart(4, '0')}`;
    const source = rng.weighted(SOURCE_WEIGHTS);
    const { createdAtMs, campaign } = drawCreation(rng, source, campaigns, nowMs);
    const company = companies[Math.floor(companies.length * Math.pow(rng.float(), 1.2))];
    const person = drawPerson(rng, company, usedEmails);
    const service = rng.pick(SERVICES);
    const ageMs = nowMs - createdAtMs;
    const repKey = source !== 'cold_outbound' && ageMs < 3 * DAY && rng.chance(0.5) ? undefined : rng.weighted(REP_WEIGHTS);

    const fit =
      SOURCE_EFFECT.get(source)! +
      person.seniorityEffect +
      (person.freeEmail ? -0.6 : 0.1) +
      company.sizeEffect +
      0.35 * Math.log(company.budget / 6000) +
      (repKey ? REP_EFFECT[repKey] : 0);
    const z = fit + rng.normal(0, 1);
    const heat = sigmoid(z - 0.2);
    const fate = drawFate(rng, z, heat, createdAtMs, nowMs);

    const formOrigin = originForm(rng, source);
    const leadMagnet = magnetFor(rng, source, campaign, formOrigin, service.short);
    const input: CreateContactInput = {
      firstName: person.firstName,
      lastName: person.lastName,
      email: person.email,
      ...(person.phone ? { phone: person.phone } : {}),
      company: company.name,
      position: person.position,
      source,
      customFields: { industry: company.industry, companySize: company.size, budget: company.budget, country: company.country, serviceInterest: service.key },
      metadata: metadataFor(rng, source, campaign, leadMagnet, person.lastName),
    };
    const status: ContactStatus =
      fate.outcome === 'converted' ? 'CUSTOMER' : fate.outcome === 'lost' ? 'INACTIVE' : fate.depth === 'intro' ? 'LEAD' : 'PROSPECT';
    const contact: DemoContact = { key, input, status, createdAt: new Date(createdAtMs), outcome: fate.outcome };
    if (repKey) contact.assignedToUserKey = repKey;
    if (fate.closedAtMs !== undefined) contact.closedAt = new Date(fate.closedAtMs);
    contacts.push(contact);

    const repName = users.find((u) => u.key === (repKey ?? 'u-marketing'))!.name.split(' ')[0];
    const plan: TimelinePlan = {
      key,
      source,
      heat,
      depth: fate.depth,
      createdAtMs,
      activeEndMs: fate.activeEndMs,
      wonAtMs: fate.outcome === 'converted' ? fate.closedAtMs : undefined,
      repKey,
      companySlug: company.slug,
      serviceKey: service.key,
      formOrigin,
      slots: {
        first: person.firstName,
        company: company.name,
        service: service.name,
        short: service.short,
        industry: company.industry === 'SaaS' ? 'SaaS' : company.industry.toLowerCase(),
        rep: repName,
        // Only a downloaded resource reads well as "following up on {magnet}".
        ...(leadMagnet && formOrigin === 'download' ? { magnet: leadMagnet } : {}),
        resource: LEAD_MAGNETS,
        campaign: campaign?.name ?? leadMagnet ?? 'our webinar',
        budget: usd(company.budget),
        competitor: COMPETITORS,
        domain: company.domain,
        position: person.position,
        pct: ['14', '18', '23', '27', '31', '38', '42', '56'],
      },
    };
    interactions.push(...buildTimeline(rng, plan, nowMs, volume));
  }

  const followUps = buildFollowUps(rng, contacts, nowMs);
  return shiftDates({ tenant: { ...DEMO_TENANT }, users, campaigns, contacts, interactions, followUps }, shiftMs);
}

/** Every Date in the generated tenant moved by `ms` (in place; the structure is plain objects and arrays). */
function shiftDates<T>(value: T, ms: number): T {
  if (ms === 0) return value;
  const seen = new Set<unknown>();
  const walk = (v: unknown): unknown => {
    if (v instanceof Date) return new Date(v.getTime() + ms);
    if (!v || typeof v !== 'object' || seen.has(v)) return v;
    seen.add(v);
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) o[k] = walk(o[k]);
    return v;
  };
  return walk(value) as T;
}

interface Fate {
  outcome: DemoOutcome;
  depth: TimelinePlan['depth'];
  activeEndMs: number;
  closedAtMs?: number;
}

function drawFate(rng: Rng, z: number, heat: number, createdAtMs: number, nowMs: number): Fate {
  const depthFromHeat = (): Fate['depth'] => {
    const r = heat + rng.normal(0, 0.25);
    return r > 0.55 ? 'proposal' : r > 0.3 ? 'discovery' : 'intro';
  };
  // Wins and losses take equally long to decide (given heat), so "days from creation to close"
  // says little beyond what engagement already says.
  const cycle = (12 + 95 * Math.pow(rng.float(), 1.4) * (1.2 - 0.6 * heat)) * DAY;
  const closeAt = workingMoment(rng, createdAtMs + cycle);
  const activeEndMs = Math.min(nowMs, Math.max(createdAtMs + (closeAt - createdAtMs) / 2, closeAt - decisionGap(rng)));
  const decided = closeAt < nowMs - HOUR;
  if (rng.chance(sigmoid(1.6 * z - 2.25))) {
    // Small deals sometimes sign straight after discovery, without a formal proposal round.
    if (decided) return { outcome: 'converted', depth: rng.chance(0.75) ? 'proposal' : 'discovery', activeEndMs, closedAtMs: closeAt };
    // Will convert, but not yet: still mid-pipeline today.
    const progress = (nowMs - createdAtMs) / cycle;
    return { outcome: 'open', depth: progress > 0.6 ? 'proposal' : progress > 0.25 ? 'discovery' : 'intro', activeEndMs: nowMs };
  }
  if (rng.chance(0.72)) {
    if (decided) return { outcome: 'lost', depth: depthFromHeat(), activeEndMs, closedAtMs: closeAt };
    return { outcome: 'open', depth: depthFromHeat(), activeEndMs };
  }
  // Long-term nurture: neither won nor written off; engagement fades earlier for cold leads.
  const share = clamp(0.2 + 0.8 * heat + rng.normal(0, 0.15), 0.1, 1);
  return { outcome: 'open', depth: depthFromHeat(), activeEndMs: createdAtMs + (nowMs - createdAtMs) * share };
}

/**
 * Quiet time between the last pre-close touch and the close, drawn the same way for wins
 * (contract in legal review) and losses (rep gives up after silence) so that "days since last
 * interaction, measured at the close" does not by itself give the outcome away.
 */
function decisionGap(rng: Rng): number {
  return rng.range(1, 30) * DAY;
}

function drawCreation(rng: Rng, source: DemoSource, campaigns: DemoCampaign[], nowMs: number): { createdAtMs: number; campaign?: DemoCampaign } {
  const latest = nowMs - 2 * HOUR;
  // Slightly more recent than uniform: the agency's lead flow has been growing.
  const general = latest - 363 * DAY * Math.pow(rng.float(), 1.15);
  const own = campaigns.filter((c) => c.channel === source);
  const snap = (t: number) => Math.floor(Math.min(t, latest) / 1000) * 1000;
  if (source === 'trade_show' || source === 'webinar') {
    const campaign = rng.pick(own);
    const window = source === 'trade_show' ? 3 : 28;
    return { createdAtMs: snap(campaign.startedAt.getTime() + rng.range(0.05, window) * DAY), campaign };
  }
  const live = own.filter((c) => c.startedAt.getTime() < general);
  const attributed = source === 'linkedin' ? rng.chance(0.5) : source !== 'content_download' || rng.chance(0.7);
  const campaign = live.length > 0 && attributed ? live[live.length - 1] : undefined;
  return { createdAtMs: snap(general), ...(campaign ? { campaign } : {}) };
}

function originForm(rng: Rng, source: DemoSource): TimelinePlan['formOrigin'] {
  if (source === 'webinar') return 'webinar';
  if (source === 'content_download') return 'download';
  if (source === 'website') return rng.weighted([['quote', 3], ['audit', 2], ['meeting', 1], ['download', 2]] as const);
  if (source === 'paid_search') return rng.weighted([['quote', 2], ['audit', 1]] as const);
  return undefined;
}

function magnetFor(rng: Rng, source: DemoSource, campaign: DemoCampaign | undefined, form: TimelinePlan['formOrigin'], short: string): string | undefined {
  if (source === 'webinar' && campaign) return campaign.name;
  if (form === 'download') {
    if (campaign?.id.endsWith('local-seo-ebook')) return 'The Local SEO Checklist';
    if (campaign?.id.endsWith('cro-playbook')) return 'CRO Playbook';
    return rng.pick(LEAD_MAGNETS);
  }
  if (form === 'quote') return 'Request a quote';
  if (form === 'audit') return `Free ${short} review`;
  if (form === 'meeting') return 'Book a call';
  return undefined;
}

function metadataFor(rng: Rng, source: DemoSource, campaign: DemoCampaign | undefined, leadMagnet: string | undefined, lastName: string): NonNullable<CreateContactInput['metadata']> {
  const meta: NonNullable<CreateContactInput['metadata']> = {};
  if (campaign) meta.campaignId = campaign.id;
  if (leadMagnet) meta.leadMagnet = leadMagnet;
  const urls = REFERRER_URLS[source];
  if (urls) {
    meta.referrer = rng.pick(urls);
    meta.ipAddress = `${rng.pick(IP_PREFIXES)}${rng.int(1, 254)}`;
    meta.userAgent = rng.pick(USER_AGENTS);
  } else if (source === 'referral') {
    const referrerLast = rng.pick(LAST_NAMES.filter((n) => n !== lastName));
    meta.referrer = `Referred by ${rng.pick(FIRST_NAMES)} ${referrerLast}, ${rng.pick(['founder', 'CEO', 'marketing lead'])} at a client`;
  } else if (source === 'partner') {
    meta.referrer = `Partner: ${rng.pick(PARTNERS)}`;
  }
  return meta;
}

/** The same calendar day (the next Monday for weekends) at a random minute of office hours, UTC. */
function workingMoment(rng: Rng, ms: number): number {
  const d = new Date(ms);
  const shift = d.getUTCDay() === 6 ? 2 : d.getUTCDay() === 0 ? 1 : 0;
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + shift, rng.int(9, 17), rng.int(0, 59));
}

function ymd(ms: number): [number, number, number] {
  const d = new Date(ms);
  return [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()];
}

function usd(n: number): string {
  return `$${String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',')}`;
}
