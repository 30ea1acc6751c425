import type { OutboxEvent } from '@crm/core';
import type { ResourceTopics } from '../../framework/server-module.ts';
import { DUE_FOLLOW_UPS_URI, resolveContactRef } from './contact-ref.ts';

const CONTACT = /^crm:\/\/contacts\/([^/]+)$/;
const TIMELINE = /^crm:\/\/contacts\/([^/]+)\/timeline$/;
const FOLLOW_UPS = 'follow-ups';

const contactTopic = (id: string) => `contact:${id}`;
const timelineTopic = (id: string) => `timeline:${id}`;

/**
 * Subscribable crm-data resources. A contact URI (by id or email) follows that contact's id, so a
 * subscription made by email still hears about changes; the contact must exist and be readable.
 */
export const crmDataTopics: ResourceTopics = {
  async topicsFor(uri, { core, actor }) {
    if (uri === DUE_FOLLOW_UPS_URI) return [FOLLOW_UPS];
    const timeline = TIMELINE.exec(uri);
    if (timeline) return [timelineTopic((await resolveContactRef(core, actor, timeline[1])).id)];
    const contact = CONTACT.exec(uri);
    if (contact) return [contactTopic((await resolveContactRef(core, actor, contact[1])).id)];
    return undefined;
  },

  touched(event: OutboxEvent) {
    const id = event.aggregateId;
    const topics: string[] = [];
    if (!id) return { topics, listChanged: false };
    const payload = event.payload as { mergedId?: string; interaction?: { scheduledFollowUp?: string | null } };
    switch (event.type) {
      case 'contact.created':
      case 'contact.updated':
      case 'contact.status_changed':
      case 'lead_score.changed':
        topics.push(contactTopic(id));
        break;
      case 'contact.merged':
        topics.push(contactTopic(id), timelineTopic(id), FOLLOW_UPS);
        if (payload.mergedId) topics.push(contactTopic(payload.mergedId), timelineTopic(payload.mergedId));
        break;
      case 'interaction.logged':
        // the contact's last contact date moves too
        topics.push(contactTopic(id), timelineTopic(id));
        if (payload.interaction?.scheduledFollowUp) topics.push(FOLLOW_UPS);
        break;
      default:
        if (event.type.startsWith('follow-up.')) topics.push(FOLLOW_UPS);
    }
    return { topics, listChanged: event.type === 'contact.created' || event.type === 'contact.merged' };
  },
};
