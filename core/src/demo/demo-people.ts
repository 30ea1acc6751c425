/** Companies, people and follow-up tasks for the demo tenant. */
import type { ContactStatus } from '../contacts/contact.schema.ts';
import { FOLLOW_UP_TITLES } from './demo-content.ts';
import { DAY, HOUR } from './demo-interactions.ts';
import type { Rng } from './demo-random.ts';
import {
  AREA_CODES,
  COMPANY_PREFIXES,
  COMPANY_ROOTS,
  COUNTRIES,
  FIRST_NAMES,
  FREE_EMAIL_DOMAINS,
  INDUSTRIES,
  LAST_NAMES,
  SENIORITY_PROFILE,
  SERVICES,
  SIZE_PROFILE,
  type CompanySize,
  type Seniority,
} from './demo-vocabulary.ts';

export interface DemoFollowUp {
  contactKey: string;
  ownerKey: string;
  title: string;
  dueAt: Date;
  done: boolean;
}

export interface DemoCompany {
  name: string;
  slug: string;
  domain: string;
  industry: string;
  size: CompanySize;
  sizeEffect: number;
  /** Monthly marketing budget, USD. */
  budget: number;
  country: string;
  phoneFormat: string;
}

export interface DemoPerson {
  firstName: string;
  lastName: string;
  email: string;
  phone?: string;
  position: string;
  seniority: Seniority;
  seniorityEffect: number;
  freeEmail: boolean;
}

export function buildCompanies(rng: Rng, count: number): DemoCompany[] {
  const names = new Set<string>();
  const companies: DemoCompany[] = [];
  for (let i = 0; i < count; i++) {
    const [industry, suffixes] = rng.weighted(INDUSTRIES.map(([name, share, sfx]) => [[name, sfx] as const, share] as const));
    let name = '';
    for (let tries = 0; tries < 20 && (name === '' || names.has(name)); tries++) {
      name = `${rng.pick(COMPANY_PREFIXES)}${rng.pick(COMPANY_ROOTS)} ${rng.pick(suffixes)}`;
    }
    if (names.has(name)) name = `${name} ${i}`;
    names.add(name);
    const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
    const [size, sizeEffect, [lo, hi]] = rng.weighted(SIZE_PROFILE.map(([s, share, eff, range]) => [[s, eff, range] as const, share] as const));
    const budget = Math.round(Math.exp(rng.range(Math.log(lo), Math.log(hi))) / 250) * 250;
    const [country, phoneFormat] = rng.weighted(COUNTRIES.map(([c, share, fmt]) => [[c, fmt] as const, share] as const));
    companies.push({ name, slug, domain: `${slug.replace(/-/g, '')}.example`, industry, size, sizeEffect, budget, country, phoneFormat });
  }
  return companies;
}

const asciiLower = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

export function drawPerson(rng: Rng, company: DemoCompany, usedEmails: Set<string>): DemoPerson {
  const firstName = rng.pick(FIRST_NAMES);
  const lastName = rng.pick(LAST_NAMES);
  const owners = company.size === '1-10' && rng.chance(0.3);
  const [seniority, seniorityEffect, titles] = owners
    ? ([SENIORITY_PROFILE[0][0], SENIORITY_PROFILE[0][2], SENIORITY_PROFILE[0][3]] as const)
    : rng.weighted(SENIORITY_PROFILE.map(([s, share, eff, t]) => [[s, eff, t] as const, share] as const));
  const freeShare = (company.size === '1-10' ? 0.45 : company.size === '11-50' ? 0.22 : 0.07) + (seniority === 'Intern' ? 0.25 : 0);
  const freeEmail = rng.chance(freeShare);
  const f = asciiLower(firstName);
  const l = asciiLower(lastName);
  const local = freeEmail
    ? rng.weighted([[`${f}.${l}${rng.int(1, 99)}`, 3], [`${f}${l}`, 2], [`${f}_${l}`, 1], [`${l}.${f}`, 1]] as const)
    : rng.weighted([[`${f}.${l}`, 5], [`${f[0]}${l}`, 3], [f, 1], [`${f}${l[0]}`, 1]] as const);
  const domain = freeEmail ? rng.pick(FREE_EMAIL_DOMAINS) : company.domain;
  let email = `${local}@${domain}`;
  for (let n = 2; usedEmails.has(email); n++) email = `${local}${n}@${domain}`;
  usedEmails.add(email);
  const person: DemoPerson = { firstName, lastName, email, position: rng.pick(titles), seniority, seniorityEffect, freeEmail };
  if (rng.chance(0.85)) {
    const digits = (n: number) => String(rng.int(0, 10 ** n - 1)).padStart(n, '0');
    person.phone = rng.fill(company.phoneFormat, { area: AREA_CODES, d2: digits(2), d3: digits(3), d4: digits(4) });
  }
  return person;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const STATUS_WEIGHT: Record<ContactStatus, number> = { PROSPECT: 3, LEAD: 1, CUSTOMER: 1.5, INACTIVE: 0.15 };

interface FollowUpCandidate {
  key: string;
  status: ContactStatus;
  createdAt: Date;
  assignedToUserKey?: string;
  input: { firstName: string; company?: string; customFields?: Record<string, unknown>; metadata?: { leadMagnet?: string } };
}

/** ~15% of contacts get a task: some done, some overdue, most due in the next weeks. */
export function buildFollowUps(rng: Rng, contacts: readonly FollowUpCandidate[], nowMs: number): DemoFollowUp[] {
  const target = Math.round(contacts.length * 0.15);
  // Weighted sampling without replacement (Efraimidis–Spirakis keys), then back in contact order.
  const chosen = contacts
    .map((c, i) => ({ c, i, k: c.assignedToUserKey ? Math.pow(rng.float(), 1 / STATUS_WEIGHT[c.status]) : -1 }))
    .filter((x) => x.k >= 0)
    .sort((a, b) => b.k - a.k || a.i - b.i)
    .slice(0, target)
    .sort((a, b) => a.i - b.i);

  return chosen.map(({ c }) => {
    const createdMs = c.createdAt.getTime();
    let kind = rng.weighted([['done', 35], ['overdue', 22], ['soon', 30], ['later', 13]] as const);
    let dueMs = 0;
    if (kind === 'done') {
      const from = Math.max(createdMs + DAY, nowMs - 90 * DAY);
      if (from < nowMs - HOUR) dueMs = rng.range(from, nowMs - HOUR);
      else kind = 'soon';
    } else if (kind === 'overdue') {
      dueMs = nowMs - rng.range(1, 21 * 24) * HOUR;
      if (dueMs <= createdMs) kind = 'soon';
    }
    if (kind === 'soon') dueMs = nowMs + rng.range(1, 7 * 24) * HOUR;
    if (kind === 'later') dueMs = nowMs + rng.range(7, 45) * DAY;
    // Tasks are set for the top of a working hour when that keeps them on the same side of now.
    const d = new Date(dueMs);
    const onHour = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), rng.pick([9, 11, 14, 16]));
    if (onHour > createdMs && onHour < nowMs === dueMs < nowMs) dueMs = onHour;
    dueMs = Math.floor(dueMs / 1000) * 1000;

    const service = SERVICES.find((s) => s.key === c.input.customFields?.serviceInterest) ?? SERVICES[0];
    const title = rng.fill(rng.pick(FOLLOW_UP_TITLES[c.status]), {
      first: c.input.firstName,
      company: c.input.company ?? 'their company',
      service: service.name,
      industry: String(c.input.customFields?.industry ?? 'their industry').toLowerCase(),
      magnet: c.input.metadata?.leadMagnet ?? `our ${service.name} guide`,
      month: MONTHS[(new Date(dueMs).getUTCMonth() + 11) % 12],
    });
    const bigAccount = Number(c.input.customFields?.budget ?? 0) >= 20_000;
    const ownerKey = bigAccount && rng.chance(0.3) ? 'u-sales-manager' : c.assignedToUserKey!;
    return { contactKey: c.key, ownerKey, title, dueAt: new Date(dueMs), done: kind === 'done' };
  });
}
