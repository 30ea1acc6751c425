/**
 * A contact's journey from its own timeline: stages are the status history (audit log), each with
 * the interactions that happened in it; pain points are negative-sentiment interactions, long
 * silences and unanswered inbound messages; opportunities are rules over the same evidence.
 */
import type { ContactStatus } from '../contacts/contact.schema.ts';
import type { JourneyInteraction, JourneyStage, StatusChange } from './journey.schema.ts';
import { median } from './stats/index.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const NEGATIVE = -0.3;
const day = (d: Date) => d.toISOString().slice(0, 10);

export interface JourneyFacts {
  createdAt: Date;
  status: ContactStatus;
  changes: StatusChange[];
  interactions: JourneyInteraction[];
  now: Date;
}

export function buildStages(f: JourneyFacts): JourneyStage[] {
  const bounds: { stage: ContactStatus; at: Date; evidence: string }[] = [
    { stage: (f.changes[0]?.from ?? f.status) as ContactStatus, at: f.createdAt, evidence: 'contact created' },
    ...f.changes.map((c) => ({ stage: c.to as ContactStatus, at: c.at, evidence: `status changed ${c.from ?? '?'} → ${c.to} on ${day(c.at)}` })),
  ];
  return bounds.map((b, i) => {
    const end = bounds[i + 1]?.at ?? null;
    const inStage = f.interactions.filter((x) => x.at >= b.at && (!end || x.at < end));
    const scored = inStage.filter((x) => x.sentiment !== null).map((x) => x.sentiment as number);
    return {
      stage: b.stage,
      enteredAt: b.at,
      exitedAt: end,
      durationDays: Math.round((((end ?? f.now).getTime() - b.at.getTime()) / DAY) * 10) / 10,
      interactions: inStage.length,
      inbound: inStage.filter((x) => x.direction === 'INBOUND').length,
      channels: [...new Set(inStage.map((x) => x.channel))].sort(),
      averageSentiment: scored.length ? Math.round((scored.reduce((s, v) => s + v, 0) / scored.length) * 100) / 100 : null,
      evidence: b.evidence,
    };
  });
}

/** Gap threshold: three typical gaps, never under two weeks. */
function gapThreshold(gaps: number[]): number {
  return Math.max(14 * DAY, gaps.length >= 3 ? 3 * median(gaps) : 0);
}

function replyHours(xs: JourneyInteraction[]): { answered: number[]; unanswered: JourneyInteraction[] } {
  const answered: number[] = [];
  const unanswered: JourneyInteraction[] = [];
  xs.forEach((x, i) => {
    if (x.direction !== 'INBOUND') return;
    const reply = xs.slice(i + 1).find((y) => y.direction === 'OUTBOUND');
    if (reply) answered.push((reply.at.getTime() - x.at.getTime()) / HOUR);
    else unanswered.push(x);
  });
  return { answered, unanswered };
}

export function findPainPoints(f: JourneyFacts): string[] {
  const out: string[] = [];
  for (const x of f.interactions) {
    if (x.sentiment !== null && x.sentiment <= NEGATIVE) {
      out.push(`Negative ${x.direction.toLowerCase()} ${x.type.toLowerCase().replace('_', ' ')} on ${day(x.at)}${x.subject ? ` ("${x.subject}")` : ''}: sentiment ${x.sentiment.toFixed(2)}`);
    }
  }
  const times = [f.createdAt, ...f.interactions.map((x) => x.at)].sort((a, b) => a.getTime() - b.getTime());
  const gaps = times.slice(1).map((t, i) => t.getTime() - times[i].getTime());
  const limit = gapThreshold(gaps);
  gaps.forEach((g, i) => {
    if (g > limit) out.push(`No contact for ${Math.round(g / DAY)} days between ${day(times[i])} and ${day(times[i + 1])}`);
  });
  const { answered, unanswered } = replyHours(f.interactions);
  for (const x of unanswered) out.push(`Inbound ${x.type.toLowerCase().replace('_', ' ')} on ${day(x.at)} was never answered`);
  const slow = answered.filter((h) => h > 48).length;
  if (slow) out.push(`${slow} of ${answered.length} inbound messages waited more than 48 hours for a reply`);
  return out;
}

export function findOpportunities(f: JourneyFacts, stages: JourneyStage[]): string[] {
  const out: string[] = [];
  const last = f.interactions.at(-1);
  const open = f.status === 'LEAD' || f.status === 'PROSPECT';
  const silentDays = Math.round((f.now.getTime() - (last?.at ?? f.createdAt).getTime()) / DAY);
  if (open && silentDays > 14) out.push(`Re-engage: no interaction for ${silentDays} days while still a ${f.status}.`);
  const recent = f.interactions.slice(-3).filter((x) => x.sentiment !== null);
  if (open && recent.length && recent.every((x) => (x.sentiment as number) > 0.3)) out.push('Recent conversations are warm: propose the next step (proposal or meeting) now.');
  const { answered } = replyHours(f.interactions);
  if (answered.length >= 2 && median(answered) > 24) out.push(`Reply faster: inbound messages wait ${Math.round(median(answered))} hours (median) for an answer.`);
  const channels = new Set(f.interactions.map((x) => x.channel));
  if (open && f.interactions.length >= 4 && channels.size === 1) out.push(`Every touch so far was ${[...channels][0].toLowerCase()}: try a call or meeting.`);
  const customer = stages.find((s) => s.stage === 'CUSTOMER');
  if (f.status === 'CUSTOMER' && customer && customer.durationDays > 60 && customer.interactions === 0) {
    out.push(`No contact since becoming a customer ${Math.round(customer.durationDays)} days ago: schedule a check-in or upsell review.`);
  }
  const scored = f.interactions.filter((x) => x.sentiment !== null);
  if (scored.length >= 4) {
    const half = Math.floor(scored.length / 2);
    const avg = (xs: JourneyInteraction[]) => xs.reduce((s, x) => s + (x.sentiment as number), 0) / xs.length;
    if (avg(scored.slice(half)) < avg(scored.slice(0, half)) - 0.3) out.push('Sentiment is cooling compared with the start of the relationship: address open concerns.');
  }
  if (f.status === 'INACTIVE') out.push('Marked inactive: add to a win-back campaign after reviewing the pain points above.');
  return out;
}
