import { z } from 'zod';
import { GetContactTimeline } from '../../contracts/crm-data/activities.contract.ts';
import { decodeCursor, encodeCursor, queryFingerprint } from '../../framework/pagination.ts';
import { defineTool, READ_ONLY } from '../../framework/tool.ts';
import { AppError } from '@crm/core/contracts';

const TimelineCursor = z.object({ before: z.iso.datetime(), id: z.uuid(), q: z.string() });

/**
 * Characters of one interaction's content a page carries. Content may be 50,000 characters (a
 * logged email thread), so 20 of them were up to a megabyte in a model's context; a longer one is
 * cut here, saying so and where the whole text is.
 */
export const TIMELINE_CONTENT_CHARS = 4000;

export function cutContent<T extends { content: string }>(interaction: T, contactId: string): T {
  const { content } = interaction;
  if (content.length <= TIMELINE_CONTENT_CHARS) return interaction;
  const more = content.length - TIMELINE_CONTENT_CHARS;
  return { ...interaction, content: `${content.slice(0, TIMELINE_CONTENT_CHARS)}… [cut: ${more.toLocaleString('en-US')} more characters; the whole text is in the resource crm://contacts/${contactId}/timeline]` };
}

export const getContactTimelineTool = defineTool(GetContactTimeline, {
  title: 'Get contact timeline',
  description:
    'The interactions with one contact, newest first: emails, calls, meetings and more, with notes, outcome, sentiment and tags. ' +
    `Optionally only one type. Pages with nextCursor. Content over ${TIMELINE_CONTENT_CHARS} characters is cut (marked; the resource crm://contacts/{id}/timeline has it whole). Sales reps see every interaction on their own contacts and only their own elsewhere.`,
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
    const interactions = page.interactions.slice(0, limit).map((i) => cutContent(i, contactId));
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
