import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { callToolData } from '../tools/call-tool.ts';

/**
 * The weekly pipeline digest: per tenant, as the tenant's system actor, through the MCP tools only.
 * It gathers the pipeline by status with its week-over-week change and the week's new contacts and
 * their conversion rate (get_metrics), hot leads nobody touched lately (search_contacts), overdue
 * follow-ups (list_follow_ups) and what the insights engine flags (generate_insights); writes a
 * short digest from a fixed template — every figure is copied from a tool result, no model writes
 * or computes anything — and saves it (save_report, one per tenant and slot, listable later with
 * list_saved_reports), emailing it to the tenant's managers and admins once per slot.
 */
export interface DigestAgentOptions {
  /** The end of the week the digest covers (the scheduled slot). */
  periodEnd: Date;
  periodDays?: number;
  /** One digest per slot: saving the same key again returns the stored one and mails nothing. */
  slotKey: string;
  hotScore?: number;
  quietDays?: number;
  /** Email the digest to the tenant's managers and admins (default true). */
  email?: boolean;
  /** Dates in the text are written in this zone (the tenant's). */
  timeZone?: string;
}

interface Metric {
  key: string;
  group: string;
  name: string;
  value: number;
  unit?: string;
  change?: number;
  trend: string;
  sampleSize: number;
}
interface MetricsOut {
  period: { start: string; end: string };
  previous: { start: string; end: string };
  metrics: Metric[];
}
interface ContactSummary {
  id: string;
  firstName: string;
  lastName: string;
  company: string | null;
  leadScore: number;
  lastContactDate: string | null;
}
interface Insight {
  title: string;
  impact: string;
  confidence: number;
}

export interface DigestAgentReport {
  reportId: string;
  slotKey: string;
  title: string;
  duplicate: boolean;
  emailed: string[];
  body: string;
  figures: DigestFigures;
}

export interface DigestFigures {
  period: { start: string; end: string };
  pipeline: { status: string; count: number; change: number | null; trend: string }[];
  newContacts: number;
  conversionRate: { value: number; change: number | null; trend: string; sampleSize: number } | null;
  hotLeadsQuiet: { status: string; total: number; exact: boolean; top: { id: string; name: string; leadScore: number; lastContactDate: string | null }[] }[];
  overdueFollowUps: { count: number; more: boolean; oldest: { id: string; title: string; dueAt: string }[] };
  insights: { title: string; impact: string; confidence: number }[];
}

const DAY = 86_400_000;
const pct = (ratio: number) => `${(ratio * 100).toFixed(1)}%`;
const signedPct = (ratio: number | null) => (ratio === null ? 'new' : `${ratio >= 0 ? '+' : '−'}${Math.abs(ratio * 100).toFixed(0)}%`);

/** The digest's text: a fixed template over the figures (no number is derived here). */
export function digestText(f: DigestFigures, opts: { timeZone?: string; hotScore: number; quietDays: number }): { title: string; body: string } {
  const day = (iso: string) => new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: opts.timeZone ?? 'UTC' }).format(new Date(iso));
  const title = `Weekly pipeline digest: ${day(f.period.start)} – ${day(f.period.end)}`;
  const lines = [title, '', 'Pipeline by status (week over week):'];
  for (const p of f.pipeline) lines.push(`- ${p.status}: ${p.count} (${signedPct(p.change)}, ${p.trend})`);
  lines.push('', `New contacts this week: ${f.newContacts}`);
  if (f.conversionRate) {
    const vs = f.conversionRate.change === null ? 'no rate to compare the week before' : `${signedPct(f.conversionRate.change)} vs the week before, ${f.conversionRate.trend}`;
    lines.push(`Converted to customer so far: ${pct(f.conversionRate.value)} of the week's ${f.conversionRate.sampleSize} new contacts (${vs})`);
  }
  lines.push('', `Hot leads (score ≥ ${opts.hotScore}) with no touch in ${opts.quietDays} days:`);
  for (const h of f.hotLeadsQuiet) {
    lines.push(`- ${h.status}: ${h.total}${h.exact ? '' : ' (estimate)'}`);
    for (const c of h.top) lines.push(`    ${c.name} — score ${c.leadScore}, last touch ${c.lastContactDate ? day(c.lastContactDate) : 'never'}`);
  }
  lines.push('', `Overdue follow-ups: ${f.overdueFollowUps.count}${f.overdueFollowUps.more ? '+' : ''}`);
  for (const o of f.overdueFollowUps.oldest) lines.push(`- ${o.title} (due ${day(o.dueAt)})`);
  lines.push('', 'Insights:');
  if (f.insights.length === 0) lines.push('- nothing significant this time');
  for (const i of f.insights) lines.push(`- ${i.title} (${i.impact} impact, confidence ${pct(i.confidence)})`);
  lines.push('', 'Written by the digest agent from the CRM\'s own figures (a template, no language model). Earlier digests: list_saved_reports kind=pipeline_digest.');
  return { title, body: lines.join('\n') };
}

export async function runDigestAgent(clientFor: () => Promise<Client>, options: DigestAgentOptions): Promise<DigestAgentReport> {
  const client = await clientFor();
  const end = options.periodEnd;
  const start = new Date(end.getTime() - (options.periodDays ?? 7) * DAY);
  const hotScore = options.hotScore ?? 70;
  const quietDays = options.quietDays ?? 14;
  const range = { start: start.toISOString(), end: end.toISOString() };

  const m = await callToolData<MetricsOut>(client, 'get_metrics', { date_range: range, groups: ['pipeline', 'conversion'] });
  const pipeline = m.metrics
    .filter((x) => x.group === 'pipeline')
    .map((x) => ({ status: x.key.replace(/^pipeline:status=/, ''), count: x.value, change: x.change ?? null, trend: x.trend }));
  const conv = m.metrics.find((x) => x.key === 'conversion_rate');

  const cutoff = new Date(end.getTime() - quietDays * DAY).toISOString();
  const hotLeadsQuiet: DigestFigures['hotLeadsQuiet'] = [];
  for (const status of ['LEAD', 'PROSPECT']) {
    const r = await callToolData<{ contacts: ContactSummary[]; totalCount: number; totalCountExact: boolean }>(client, 'search_contacts', {
      status,
      leadScoreMin: hotScore,
      lastContactedBefore: cutoff,
      sort: 'leadScore',
      order: 'desc',
      limit: 5,
    });
    hotLeadsQuiet.push({
      status,
      total: r.totalCount,
      exact: r.totalCountExact,
      top: r.contacts.map((c) => ({ id: c.id, name: `${c.firstName} ${c.lastName}${c.company ? ` (${c.company})` : ''}`, leadScore: c.leadScore, lastContactDate: c.lastContactDate })),
    });
  }

  const overdue = await callToolData<{ followUps: { id: string; title: string; dueAt: string }[]; nextCursor: string | null }>(client, 'list_follow_ups', { scope: 'overdue', limit: 100 });
  const ins = await callToolData<{ insights: Insight[] }>(client, 'generate_insights', { time_period: { start: new Date(end.getTime() - 90 * DAY).toISOString(), end: range.end } });

  const figures: DigestFigures = {
    period: m.period,
    pipeline,
    newContacts: conv?.sampleSize ?? 0,
    conversionRate: conv ? { value: conv.value, change: conv.change ?? null, trend: conv.trend, sampleSize: conv.sampleSize } : null,
    hotLeadsQuiet,
    overdueFollowUps: { count: overdue.followUps.length, more: overdue.nextCursor !== null && overdue.nextCursor !== undefined, oldest: overdue.followUps.slice(0, 5) },
    insights: ins.insights.slice(0, 5).map((i) => ({ title: i.title, impact: i.impact, confidence: i.confidence })),
  };
  const { title, body } = digestText(figures, { timeZone: options.timeZone, hotScore, quietDays });
  const saved = await callToolData<{ report: { id: string; slotKey: string; title: string; body: string }; duplicate: boolean; emailed: string[] }>(client, 'save_report', {
    kind: 'pipeline_digest',
    slot_key: options.slotKey,
    title,
    period: range,
    body,
    data: figures as unknown as Record<string, unknown>,
    email_managers: options.email !== false,
  });
  return { reportId: saved.report.id, slotKey: saved.report.slotKey, title: saved.report.title, duplicate: saved.duplicate, emailed: saved.emailed, body: saved.report.body, figures };
}
