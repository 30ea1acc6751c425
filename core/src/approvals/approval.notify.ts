/**
 * Emails a new approval request to the people who may decide it, so approvers who are not
 * connected to `/ws` hear of it. Runs as an outbox subscriber of `approval.requested`: the
 * dispatcher leases each event to one replica, `processed_events` records it per consumer, and
 * each message's idempotency key is the request and recipient, so a redelivery (a crash between
 * sending and recording) stores nothing twice in the mailbox and carries the same Message-ID over SMTP.
 */
import { ROLE_PERMISSIONS } from '../auth/rbac.ts';
import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import type { MailDelivery } from '../mail/email.service.ts';
import type { Subscription } from '../outbox/outbox.dispatcher.ts';
import { readTenantSettings } from '../tenants/tenant-settings.ts';
import type { ActorRole } from '../users/user.schema.ts';
import { toApproval, type ApprovalRow } from './approval.rows.ts';
import type { AgentAction, Approval } from './approval.schema.ts';

export const APPROVAL_NOTIFY_CONSUMER = 'approval-notify';

export interface ApprovalNotifierDeps {
  db: Database;
  delivery: () => MailDelivery;
  logger?: Logger;
  /** Base URL of the gateway for the REST route in the mail (CRM_PUBLIC_URL); omitted ⇒ the path only. */
  publicUrl?: string;
}

interface Person {
  id: string;
  email: string;
  name: string;
  role: ActorRole;
}

/** Roles that decide every request (`approvals:decide`) and those that decide only their own assistant's (`approvals:decide:own`). */
const rolesWith = (grant: 'all' | 'own'): ActorRole[] =>
  (Object.keys(ROLE_PERMISSIONS) as ActorRole[]).filter((r) => {
    const p = ROLE_PERMISSIONS[r];
    return grant === 'all' ? p.includes('*') || p.includes('approvals:decide') : !p.includes('*') && !p.includes('approvals:decide') && p.includes('approvals:decide:own');
  });

/**
 * Who may decide `a` (approval.service decide's rules): every active user whose role decides all
 * requests, and for an assistant's action also the user it was filed for when their role decides
 * their own; a workflow activation is never approved by the person who asked for it.
 */
export function decidersOf(a: Pick<Approval, 'kind' | 'requestedFor'>, people: Person[]): Person[] {
  const all = new Set(rolesWith('all'));
  const own = new Set(rolesWith('own'));
  return people.filter((p) => {
    if (a.kind === 'workflow_activation' && p.id === a.requestedFor) return false;
    if (all.has(p.role)) return true;
    return a.kind === 'agent_action' && own.has(p.role) && p.id === a.requestedFor;
  });
}

/**
 * Whom to mail about `a`. A background agent (`via agent:…`) files its drafts on behalf of the
 * contact's owner, who knows the contact and may decide their own: it is mailed to that person
 * only — mailing every manager too turned one follow-up run into a mail per draft per manager
 * (QA round 5: 26 drafts, 104 mails). Managers still see and decide them in the queue (REST, MCP,
 * CLI, `/ws`). Everything else, or a draft whose owner may not decide it, goes to every decider.
 */
export function recipientsOf(a: Pick<Approval, 'kind' | 'requestedFor' | 'requestedByKind' | 'via'>, people: Person[]): Person[] {
  const deciders = decidersOf(a, people);
  if (a.kind !== 'agent_action' || a.requestedByKind !== 'system' || !a.via?.startsWith('agent:')) return deciders;
  const owner = deciders.filter((p) => p.id === a.requestedFor);
  return owner.length ? owner : deciders;
}

function describeAction(a: Approval): string {
  if (a.kind === 'agent_action') {
    const action = a.action as AgentAction;
    return `run the tool ${action.tool} with ${JSON.stringify(action.arguments ?? {})}`;
  }
  return `${a.kind.replace(/_/g, ' ')}${a.subjectType ? ` of ${a.subjectType} ${a.subjectId}` : ''}`;
}

export function approvalMail(a: Approval, requester: Person | undefined, publicUrl?: string): { subject: string; body: string } {
  const who = requester ? `${requester.name} <${requester.email}>` : a.requestedFor;
  const by = a.requestedByKind === 'user' && a.requestedBy === a.requestedFor ? who : `${a.requestedByKind}${a.via ? ` (${a.via})` : ''} on behalf of ${who}`;
  const route = `${publicUrl ? publicUrl.replace(/\/$/, '') : ''}/api/v1/approvals/${a.id}/decision`;
  return {
    subject: `Approval needed (${a.risk} risk): ${a.summary}`.slice(0, 300),
    body: [
      `A new ${a.kind.replace(/_/g, ' ')} request waits for a decision.`,
      '',
      `Action:     ${describeAction(a)}`,
      `Requested:  by ${by}`,
      `Reason:     ${a.summary}`,
      `Risk:       ${a.risk}`,
      `Expires at: ${a.expiresAt.toISOString()}`,
      `Request id: ${a.id}`,
      '',
      'How to decide (it is decided once; the first decision wins):',
      `  CLI:  crm approvals approve ${a.id} --reason "..."   (or: crm approvals reject ${a.id} --reason "...")`,
      `  REST: POST ${route}  with {"decision":"approve"|"reject","reason":"..."}`,
      `        (see it first: GET ${route.replace(/\/decision$/, '')})`,
      '  There is no web console; MCP clients and /ws subscribers of the topic "approvals" see it too.',
    ].join('\n'),
  };
}

export function createApprovalNotifier(deps: ApprovalNotifierDeps): Subscription {
  return {
    consumer: APPROVAL_NOTIFY_CONSUMER,
    types: ['approval.requested'],
    async handler(event) {
      const id = (event.payload as { approvalId?: string }).approvalId;
      if (!id) return;
      const loaded = await deps.db.withTenant(event.tenantId, async (em) => {
        const settings = await readTenantSettings(em);
        if (!settings.approvalRequestEmails) return undefined;
        const [row] = await em.execute<ApprovalRow[]>('SELECT * FROM approvals WHERE id = ?', [id]);
        const people = await em.execute<Person[]>('SELECT id, email, name, role FROM users WHERE deactivated_at IS NULL ORDER BY email');
        return row ? { a: toApproval(row), people } : undefined;
      });
      // off for the tenant, or already decided/expired before the event was dispatched: nobody needs asking
      if (!loaded || loaded.a.status !== 'pending') return;
      const { a, people } = loaded;
      const to = recipientsOf(a, people);
      const { subject, body } = approvalMail(a, people.find((p) => p.id === a.requestedFor), deps.publicUrl);
      const { mail, from } = deps.delivery();
      for (const p of to) {
        await mail.send({ tenantId: event.tenantId, idempotencyKey: `approval-requested:${a.id}:${p.email}`, from, to: p.email, subject, body });
      }
      deps.logger?.info({ approvalId: a.id, recipients: to.length }, 'approval request emailed to its approvers');
    },
  };
}
