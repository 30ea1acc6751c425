import { z } from 'zod';
import { GetContactTimeline } from '../../contracts/crm-data/activities.contract.ts';
import { decodeCursor, encodeCursor, queryFingerprint } from '../../framework/pagination.ts';
import { defineTool, READ_ONLY } from '../../framework/tool.ts';
import { AppError } from '@crm/core/contracts';

const TimelineCursor = z.object({ before: z.iso.datetime(), id: z.uuid(), q: z.string() });

export const getContactTimelineTool = defineTool(GetContactTimeline, {
  title: 'Get contact timeline',
  description:
    'The interactions with one contact, newest first: emails, calls, meetings and more, with notes, outcome, sentiment and tags. ' +
    'Optionally only one type. Pages with nextCursor. Sales reps see every interaction on their own contacts and only their own elsewhere.',
  annotations: READ_ONLY,
  async handler({ contactId, type, limit, cursor }, { core, actor }) {
    const q = queryFingerprint({ contactId, type, limit });
    const after = cursor ? decodeCursor(cursor, TimelineCursor) : undefined;
    if (after && after.q !== q) throw AppError.validation([{ path: 'cursor', reason: 'belongs to a different query; repeat the same arguments or omit the cursor' }]);
    const page = await core.interactions.timeline(actor, contactId, {
      type,
      limit: limit + 1,
      ...(after ? { before: after.before, beforeId: after.id } : {}),
    });
    const interactions = page.interactions.slice(0, limit);
    const last = interactions.at(-1);
    return {
      contact: page.contact,
      interactions,
      nextCursor: page.interactions.length > limit && last ? encodeCursor({ before: last.createdAt.toISOString(), id: last.id, q }) : undefined,
    };
  },
  summarize: (out) =>
    out.interactions.length
      ? `${out.interactions.length} interaction(s) with ${out.contact.name}, newest ${out.interactions[0].createdAt.slice(0, 10)}${out.nextCursor ? ' (more: pass nextCursor)' : ''}.`
      : `No interactions with ${out.contact.name}${out.nextCursor ? '' : ' yet'}.`,
});
