/**
 * Lead features as of one instant: what was known about a contact at `asOf`, never after. Pure —
 * the same contact, timeline and instant always give the same record — so training (as of the
 * close or labelling cutoff), live scoring (as of now) and what-if (a synthetic interaction
 * appended) share one definition.
 *
 * Leakage rules: interactions at or after `asOf` are ignored, and so is every interaction tagged
 * POST_SALE_TAG ('post-sale': onboarding and account work that only exists once a deal is won).
 * Contact attributes (position, source, custom fields) are their current values: the CRM keeps no
 * history of them, so a custom field filled in after the outcome is caught by the leakage check.
 */
import { isMissingCell } from './ml/cell-parsers.ts';
import { readNumberText } from '../csv/number-text.ts';
import type { ColumnSpec, FeatureValue } from './ml/index.ts';

export const POST_SALE = 'post-sale';
export const WINDOWS = [7, 30, 90] as const;
export const TYPES = ['EMAIL', 'PHONE_CALL', 'MEETING', 'CHAT', 'SOCIAL_MEDIA', 'FORM_SUBMISSION', 'WEBSITE_VISIT'] as const;
export const CHANNELS = ['EMAIL', 'PHONE', 'LINKEDIN', 'TWITTER', 'FACEBOOK', 'WEBSITE', 'CHAT', 'IN_PERSON'] as const;
export const SENIORITY_LEVELS = ['C-level', 'VP', 'Director', 'Manager', 'Specialist', 'Intern', 'Other'] as const;
export type Seniority = (typeof SENIORITY_LEVELS)[number];

const DAY_MS = 86_400_000;

export interface LeadContact {
  email: string;
  company?: string | null;
  position?: string | null;
  phone?: string | null;
  source?: string | null;
  /** metadata.campaignId */
  campaign?: string | null;
  createdAt: Date | string | number;
  customFields?: Readonly<Record<string, unknown>>;
}

export interface LeadInteraction {
  type: string;
  channel: string;
  direction: 'INBOUND' | 'OUTBOUND' | string;
  occurredAt: Date | string | number;
  /** sentiment.score, −1..1 */
  sentiment?: number | null;
  tags?: readonly string[];
}

/** A contact custom field used as a feature; `feature` is its column name (`cf_<slug>`). */
export interface CustomFieldSpec {
  key: string;
  kind: ColumnSpec['kind'];
}

export type LeadFeatures = Record<string, FeatureValue>;

const lower = (s: string) => s.toLowerCase();
export const typeFeature = (type: string, days: number) => `${lower(type)}_${days}d`;
export const channelFeature = (channel: string, days: number) => `channel_${lower(channel)}_${days}d`;
export const customFeature = (key: string) => `cf_${key.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '').toLowerCase()}`;

/** Every fixed feature with its kind; custom fields follow in `leadFeatureSpecs`. */
export const BASE_FEATURE_SPECS: readonly ColumnSpec[] = [
  ...WINDOWS.map((d) => ({ name: `interactions_${d}d`, kind: 'numeric' as const })),
  { name: 'interactions_total', kind: 'numeric' },
  ...TYPES.flatMap((t) => WINDOWS.map((d) => ({ name: typeFeature(t, d), kind: 'numeric' as const }))),
  ...CHANNELS.flatMap((c) => [30, 90].map((d) => ({ name: channelFeature(c, d), kind: 'numeric' as const }))),
  { name: 'inbound_30d', kind: 'numeric' },
  { name: 'inbound_90d', kind: 'numeric' },
  { name: 'inbound_ratio', kind: 'numeric' },
  { name: 'days_since_last_interaction', kind: 'numeric' },
  { name: 'days_since_last_inbound', kind: 'numeric' },
  { name: 'meetings_total', kind: 'numeric' },
  { name: 'form_submissions_total', kind: 'numeric' },
  { name: 'website_visits_total', kind: 'numeric' },
  { name: 'mean_sentiment', kind: 'numeric' },
  { name: 'source', kind: 'categorical' },
  { name: 'campaign', kind: 'categorical' },
  { name: 'seniority', kind: 'categorical' },
  { name: 'corporate_email', kind: 'boolean' },
  { name: 'has_company', kind: 'boolean' },
  { name: 'has_phone', kind: 'boolean' },
  { name: 'lead_age_days', kind: 'numeric' },
];

export function leadFeatureSpecs(custom: readonly CustomFieldSpec[] = []): ColumnSpec[] {
  return [...BASE_FEATURE_SPECS, ...custom.map((c) => ({ name: customFeature(c.key), kind: c.kind }))];
}

const FREE_DOMAINS = new Set([
  'gmail.com', 'googlemail.com', 'outlook.com', 'hotmail.com', 'live.com', 'msn.com', 'aol.com', 'icloud.com', 'me.com',
  'mac.com', 'proton.me', 'protonmail.com', 'gmx.com', 'gmx.net', 'gmx.de', 'web.de', 'mail.com', 'yandex.com', 'yandex.ru',
  'zoho.com', 'fastmail.com', 'hey.com', 'qq.com', '163.com', '126.com', 'comcast.net', 'verizon.net', 'att.net',
  'btinternet.com', 'orange.fr', 'free.fr', 'laposte.net', 't-online.de', 'libero.it', 'mail.ru', 'tutanota.com',
]);

/** Consumer mailbox providers (gmail.com, yahoo.*, hotmail.*, …) as opposed to a company domain. */
export function isFreeEmailDomain(email: string): boolean {
  const domain = email.slice(email.lastIndexOf('@') + 1).trim().toLowerCase();
  return FREE_DOMAINS.has(domain) || /^(yahoo|ymail|hotmail|outlook|live|gmx|yandex)\.[a-z.]+$/.test(domain);
}

const SENIORITY_RULES: readonly [Seniority, RegExp][] = [
  ['Intern', /\b(intern|trainee|apprentice|student)\b/i],
  ['C-level', /\b(ceo|cto|cfo|coo|cmo|cio|cro|chief|founder|co-founder|owner|president|partner|managing director)\b/i],
  ['VP', /\b(vp|svp|evp|vice[- ]president)\b/i],
  ['Director', /\b(director|head)\b/i],
  ['Manager', /\b(manager|lead|supervisor)\b/i],
  ['Specialist', /\b(specialist|coordinator|associate|analyst|assistant|executive|representative|consultant|strategist|planner|designer|developer|engineer|writer)\b/i],
];

/** Seniority read from a job title by keywords; null when there is no title. */
export function positionSeniority(position: string | null | undefined): Seniority | null {
  const title = position?.trim();
  if (!title) return null;
  for (const [level, re] of SENIORITY_RULES) if (re.test(title)) return level;
  return 'Other';
}

function toMs(t: Date | string | number): number {
  return t instanceof Date ? t.getTime() : typeof t === 'number' ? t : Date.parse(t);
}

/** Blank, or a placeholder an export writes for "nothing chosen" ("Select", Zoho's "-None-", "n/a"): read as the CSV evaluator reads it. */
const isEmptyCustom = (value: unknown): boolean => value == null || value === '' || (typeof value === 'string' && isMissingCell(value));

/** A custom field's number: plain, or as exports write amounts and counts ("$1,500,000", "1,200", "€ 12 000"). */
function customNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  return typeof value === 'string' ? readNumberText(value) : Number.NaN;
}

function customValue(value: unknown, kind: ColumnSpec['kind']): FeatureValue {
  if (isEmptyCustom(value)) return null;
  if (kind === 'numeric') {
    const n = customNumber(value);
    return Number.isFinite(n) ? n : null;
  }
  if (kind === 'boolean') {
    if (typeof value === 'boolean') return value;
    const s = String(value).trim().toLowerCase();
    return ['true', 'yes', 'y', '1'].includes(s) ? true : ['false', 'no', 'n', '0'].includes(s) ? false : null;
  }
  return typeof value === 'object' ? null : String(value).trim();
}

/**
 * The feature record of one contact as of `asOf`. Interactions may come in any order; those at or
 * after `asOf` and those tagged 'post-sale' are skipped. Counts are zero and recency/ratio/sentiment
 * missing (null) when there is no usable interaction.
 */
export function extractLeadFeatures(
  contact: LeadContact,
  interactions: readonly LeadInteraction[],
  asOf: Date | number,
  custom: readonly CustomFieldSpec[] = [],
): LeadFeatures {
  const now = typeof asOf === 'number' ? asOf : asOf.getTime();
  const f: LeadFeatures = {};
  for (const spec of BASE_FEATURE_SPECS) if (spec.kind === 'numeric') f[spec.name] = 0;
  let total = 0;
  let inbound = 0;
  let lastAt = Number.NEGATIVE_INFINITY;
  let lastInboundAt = Number.NEGATIVE_INFINITY;
  let sentimentSum = 0;
  let sentimentCount = 0;
  const bump = (name: string) => {
    if (name in f) f[name] = (f[name] as number) + 1;
  };
  for (const i of interactions) {
    const at = toMs(i.occurredAt);
    if (!(at < now) || i.tags?.includes(POST_SALE)) continue;
    const age = now - at;
    const isInbound = i.direction === 'INBOUND';
    total++;
    if (at > lastAt) lastAt = at;
    if (isInbound) {
      inbound++;
      if (at > lastInboundAt) lastInboundAt = at;
    }
    for (const d of WINDOWS) {
      if (age >= d * DAY_MS) continue;
      bump(`interactions_${d}d`);
      bump(typeFeature(i.type, d));
      if (d !== 7) {
        bump(channelFeature(i.channel, d));
        if (isInbound) bump(`inbound_${d}d`);
      }
    }
    if (i.type === 'MEETING') bump('meetings_total');
    else if (i.type === 'FORM_SUBMISSION') bump('form_submissions_total');
    else if (i.type === 'WEBSITE_VISIT') bump('website_visits_total');
    if (typeof i.sentiment === 'number' && Number.isFinite(i.sentiment)) {
      sentimentSum += i.sentiment;
      sentimentCount++;
    }
  }
  f.interactions_total = total;
  f.inbound_ratio = total > 0 ? inbound / total : null;
  f.days_since_last_interaction = total > 0 ? (now - lastAt) / DAY_MS : null;
  f.days_since_last_inbound = inbound > 0 ? (now - lastInboundAt) / DAY_MS : null;
  f.mean_sentiment = sentimentCount > 0 ? sentimentSum / sentimentCount : null;
  f.source = contact.source?.trim() || null;
  f.campaign = contact.campaign?.trim() || null;
  f.seniority = positionSeniority(contact.position);
  f.corporate_email = contact.email.includes('@') ? !isFreeEmailDomain(contact.email) : null;
  f.has_company = !!contact.company?.trim();
  f.has_phone = !!contact.phone?.trim();
  f.lead_age_days = Math.max(0, (now - toMs(contact.createdAt)) / DAY_MS);
  for (const c of custom) f[customFeature(c.key)] = customValue(contact.customFields?.[c.key], c.kind);
  return f;
}

/**
 * Which custom fields to use as features, learned from the tenant's contacts: present on at least
 * `minShare` of them; numbers → numeric, booleans/yes-no → boolean, short repeated text →
 * categorical (at most `maxLevels` distinct values, so free text, ids and emails are left out).
 */
/**
 * Custom fields the CSV import fills that are no property of the lead: `externalId` is the other
 * CRM's record id ("Record ID", "Lead ID"). Its numbers grow with the export's creation order, so as
 * a numeric feature it was a proxy for when the lead came in (and for the importing batch), not a signal.
 */
const NOT_FEATURES = new Set(['externalId']);

export function inferCustomFieldSpecs(
  fields: readonly (Readonly<Record<string, unknown>> | null | undefined)[],
  options: { minShare?: number; maxFields?: number; maxLevels?: number } = {},
): CustomFieldSpec[] {
  const minShare = options.minShare ?? 0.2;
  const maxLevels = options.maxLevels ?? Math.max(30, Math.round(fields.length * 0.05));
  const stats = new Map<string, { n: number; num: number; bool: number; levels: Set<string>; other: number }>();
  for (const record of fields) {
    for (const [key, v] of Object.entries(record ?? {})) {
      if (isEmptyCustom(v)) continue;
      const s = stats.get(key) ?? { n: 0, num: 0, bool: 0, levels: new Set<string>(), other: 0 };
      s.n++;
      if (typeof v === 'number' && Number.isFinite(v)) s.num++;
      else if (typeof v === 'boolean' || (typeof v === 'string' && /^(yes|no|true|false)$/i.test(v.trim()))) s.bool++;
      else if (typeof v === 'string' && v.length <= 100) {
        // the same reading as customValue: "$1,500,000" and "1,200" are numbers (they were levels)
        if (Number.isFinite(customNumber(v))) s.num++;
        if (s.levels.size <= maxLevels) s.levels.add(v.trim());
      } else s.other++;
      stats.set(key, s);
    }
  }
  const specs: (CustomFieldSpec & { n: number })[] = [];
  for (const [key, s] of stats) {
    if (s.n < minShare * fields.length || s.other > 0 || NOT_FEATURES.has(key)) continue;
    if (s.num === s.n) specs.push({ key, kind: 'numeric', n: s.n });
    else if (s.bool === s.n) specs.push({ key, kind: 'boolean', n: s.n });
    else if (s.levels.size <= maxLevels && s.levels.size > 1) specs.push({ key, kind: 'categorical', n: s.n });
  }
  return specs
    .sort((a, b) => b.n - a.n || (a.key < b.key ? -1 : 1))
    .slice(0, options.maxFields ?? 10)
    .map(({ key, kind }) => ({ key, kind }))
    .sort((a, b) => (a.key < b.key ? -1 : 1));
}
