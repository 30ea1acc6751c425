import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { callToolData } from '../tools/call-tool.ts';

/** The statuses of a lead still to be won; a hot CUSTOMER or INACTIVE contact is not chased. */
const OPEN_STATUSES = ['LEAD', 'PROSPECT'] as const;

/**
 * The follow-up agent: a background chore run as the tenant's system actor, through the MCP tools
 * only (so RBAC, tenancy and the audit log apply). It finds
 * - hot leads (score ≥ `hotScore`) nobody has touched for `quietDays` and who have no open
 *   follow-up → a follow-up task for their owner, and a draft email filed for approval;
 * - overdue follow-ups → a draft email to that contact filed for approval.
 * It never sends anything itself: every email waits in the approval queue for a person. Re-running
 * it files nothing twice (open follow-ups are checked; approvals carry an idempotency key per
 * contact/follow-up and ISO week).
 */
export interface FollowUpAgentOptions {
  hotScore?: number;
  quietDays?: number;
  /** At most this many contacts and follow-ups per run (each). */
  limit?: number;
  now?: Date;
}

export interface FollowUpAgentReport {
  hotLeadsFound: number;
  tasksCreated: { followUpId: string; contactId: string }[];
  draftsFiled: { approvalId: string; contactId: string; reason: 'hot-lead' | 'overdue' }[];
  skipped: { contactId: string; reason: string }[];
}

interface ContactSummary {
  id: string;
  firstName: string;
  lastName: string;
  email: string | null;
  company: string | null;
  leadScore: number;
  assignedTo: string | null;
  lastContactDate: string | null;
}
interface FollowUp {
  id: string;
  contactId: string;
  ownerId: string;
  title: string;
  dueAt: string;
}

/** ISO week label (2026-W48): one draft per contact per week at most. */
export function isoWeek(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - day);
  const year = t.getUTCFullYear();
  const week = Math.ceil(((t.getTime() - Date.UTC(year, 0, 1)) / 86_400_000 + 1) / 7);
  return `${year}-W${String(week).padStart(2, '0')}`;
}

const daysSince = (iso: string | null, now: Date) => (iso ? Math.floor((now.getTime() - new Date(iso).getTime()) / 86_400_000) : undefined);

/** "is 2 days overdue", or in hours under a day ("is 0 days overdue" read as a bug in QA round 5). */
export function lateness(dueAt: string, now: Date): string {
  const ms = Math.max(0, now.getTime() - new Date(dueAt).getTime());
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (ms >= 86_400_000) return `is ${plural(Math.floor(ms / 86_400_000), 'day')} overdue`;
  if (ms >= 3_600_000) return `is ${plural(Math.floor(ms / 3_600_000), 'hour')} overdue`;
  return 'has just come due';
}

function hotLeadDraft(c: ContactSummary, quiet: number | undefined) {
  const subject = c.company ? `Next steps for ${c.company}` : `Next steps, ${c.firstName}`;
  const body = [
    `Hi ${c.firstName},`,
    '',
    quiet === undefined ? 'I wanted to reach out about how we could help with your marketing goals.' : 'It has been a little while since we last spoke, and I wanted to check in.',
    'Would you have 20 minutes this week for a quick call about where things stand and what would help most?',
    '',
    'Best regards',
  ].join('\n');
  return { subject, body };
}

function overdueDraft(c: ContactSummary, f: FollowUp) {
  return {
    subject: `Following up${c.company ? ` — ${c.company}` : ''}`,
    body: [`Hi ${c.firstName},`, '', `Following up as promised (${f.title.replace(/^Follow up:\s*/i, '')}).`, 'Is now a good time to pick this up?', '', 'Best regards'].join('\n'),
  };
}

/**
 * `clientFor()` is an MCP client as the tenant's system actor; `clientFor(userId)` the same actor
 * on behalf of that user (approval requests are filed on behalf of the contact's owner, so they see
 * the draft and it is audited for them). The caller closes the clients it hands out.
 */
export async function runFollowUpAgent(clientFor: (onBehalfOf?: string) => Promise<Client>, options: FollowUpAgentOptions = {}): Promise<FollowUpAgentReport> {
  const client = await clientFor();
  const owners = new Map<string, Promise<Client>>();
  const asOwner = (userId: string) => {
    if (!owners.has(userId)) owners.set(userId, clientFor(userId));
    return owners.get(userId)!;
  };
  const now = options.now ?? new Date();
  const hotScore = options.hotScore ?? 70;
  const quietDays = options.quietDays ?? 14;
  const limit = options.limit ?? 50;
  const week = isoWeek(now);
  const report: FollowUpAgentReport = { hotLeadsFound: 0, tasksCreated: [], draftsFiled: [], skipped: [] };

  const fileDraft = async (c: ContactSummary, owner: string | null, draft: { subject: string; body: string }, reason: 'hot-lead' | 'overdue', key: string, why: string) => {
    if (!c.email) {
      report.skipped.push({ contactId: c.id, reason: 'no email address' });
      return;
    }
    if (!owner) {
      report.skipped.push({ contactId: c.id, reason: 'no owner to approve a draft' });
      return;
    }
    const approval = await callToolData<{ id: string }>(await asOwner(owner), 'request_approval', {
      tool: 'send_email',
      arguments: { contactId: c.id, subject: draft.subject, body: draft.body, idempotencyKey: key },
      summary: `Follow-up agent: ${why}. Draft email to ${c.firstName} ${c.lastName} <${c.email}> — "${draft.subject}".`,
      risk: 'low',
      expiresInHours: 72,
      idempotencyKey: key,
    });
    report.draftsFiled.push({ approvalId: approval.id, contactId: c.id, reason });
  };

  // 1. hot leads gone quiet
  const cutoff = new Date(now.getTime() - quietDays * 86_400_000).toISOString();
  // Open leads only, searched by status: customers and inactive (lost) contacts keep high scores,
  // and filtering them out afterwards let INACTIVE through (there is no LOST) and let them take
  // the page's places (QA round 5: 19 of the demo's 20 "hot leads" were inactive contacts).
  const found: ContactSummary[] = [];
  for (const status of OPEN_STATUSES) {
    const page = await callToolData<{ contacts: ContactSummary[] }>(client, 'search_contacts', {
      status,
      leadScoreMin: hotScore,
      lastContactedBefore: cutoff,
      sort: 'leadScore',
      order: 'desc',
      limit: Math.min(limit, 100),
    });
    found.push(...page.contacts);
  }
  const leads = found
    .filter((c) => c.leadScore >= hotScore)
    .sort((a, b) => b.leadScore - a.leadScore)
    .slice(0, Math.min(limit, 100));
  report.hotLeadsFound = leads.length;
  for (const c of leads) {
    const open = await callToolData<{ followUps: FollowUp[] }>(client, 'list_follow_ups', { contactId: c.id, scope: 'open', limit: 1 });
    if (open.followUps.length) {
      report.skipped.push({ contactId: c.id, reason: 'has an open follow-up' });
      continue;
    }
    const quiet = daysSince(c.lastContactDate, now);
    const why = `lead score ${c.leadScore}, ${quiet === undefined ? 'never contacted' : `no touch in ${quiet} days`}`;
    const due = new Date(now.getTime() + 86_400_000);
    const task = await callToolData<{ id: string }>(client, 'create_follow_up', {
      contactId: c.id,
      title: `Reach out: hot lead (${why})`,
      notes: 'Created by the follow-up agent. A draft email is waiting in the approval queue.',
      dueAt: due.toISOString(),
      ...(c.assignedTo ? { ownerId: c.assignedTo } : {}),
    });
    report.tasksCreated.push({ followUpId: task.id, contactId: c.id });
    await fileDraft(c, c.assignedTo, hotLeadDraft(c, quiet), 'hot-lead', `agent:follow-up:hot:${c.id}:${week}`, why);
  }

  // 2. overdue follow-ups
  const overdue = await callToolData<{ followUps: FollowUp[] }>(client, 'list_follow_ups', { scope: 'overdue', limit: Math.min(limit, 100) });
  for (const f of overdue.followUps) {
    const c = await callToolData<ContactSummary>(client, 'get_contact', { id: f.contactId });
    await fileDraft(c, f.ownerId, overdueDraft(c, f), 'overdue', `agent:follow-up:overdue:${f.id}`, `follow-up "${f.title}" ${lateness(f.dueAt, now)}`);
  }
  return report;
}
