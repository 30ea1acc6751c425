import { analyticsScope, grantOf, type Actor, type OutboxEvent } from '@crm/core';
import type { Topic } from './ws.protocol.ts';

/** The live topic of each outbox event type that is pushed to clients (/ws and GraphQL subscriptions). */
export const TOPIC_OF: Record<string, Topic> = {
  'contact.created': 'contacts',
  'contact.updated': 'contacts',
  'contact.status_changed': 'contacts',
  'contact.merged': 'contacts',
  'lead_score.changed': 'contacts',
  'workflow.triggered': 'workflow-executions',
  'workflow.completed': 'workflow-executions',
  'workflow.failed': 'workflow-executions',
  'workflow.cancelled': 'workflow-executions',
  'insight.generated': 'insights',
  'approval.requested': 'approvals',
  'approval.decided': 'approvals',
  'approval.executed': 'approvals',
};

/** May this actor see this event at all? Tenant first, then what their role may read. */
export function visible(actor: Actor, event: OutboxEvent, topic: Topic): boolean {
  if (event.tenantId !== actor.tenantId) return false;
  if (topic === 'contacts') return grantOf(actor, 'contacts:read') !== 'none';
  if (topic === 'workflow-executions') return grantOf(actor, 'workflows:read') !== 'none';
  if (topic === 'approvals') {
    // approvers see every request; a rep only those filed for them
    const grant = grantOf(actor, 'approvals:read');
    return grant === 'all' || (grant === 'own' && (event.payload as { requestedFor?: string }).requestedFor === actor.userId);
  }
  // insights: a tenant-wide set goes to readers of tenant-wide numbers; a rep's own book only to that rep
  const p = event.payload as { scope?: string; ownerId?: string | null };
  if (p.scope === 'own') return p.ownerId === actor.userId;
  try {
    return analyticsScope(actor).kind === 'all';
  } catch {
    return false;
  }
}

/** The permission a topic needs, checked when subscribing (an event is filtered again on delivery). */
export function subscribeDenial(actor: Actor, topic: Topic): string | undefined {
  if (topic === 'contacts' && grantOf(actor, 'contacts:read') === 'none') return `${actor.role} lacks the permission contacts:read`;
  if (topic === 'workflow-executions' && grantOf(actor, 'workflows:read') === 'none') return `${actor.role} lacks the permission workflows:read`;
  if (topic === 'approvals' && grantOf(actor, 'approvals:read') === 'none') return `${actor.role} lacks the permission approvals:read`;
  if (topic === 'insights') {
    try {
      analyticsScope(actor);
    } catch {
      return `${actor.role} lacks the permission analytics:read`;
    }
  }
  return undefined;
}
