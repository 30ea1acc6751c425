import { ListInteractions } from '../../contracts/crm-data/activities.contract.ts';
import { holds } from '../../framework/access.ts';
import { pageCursor } from '../../framework/pagination.ts';
import { defineTool, READ_ONLY } from '../../framework/tool.ts';
import { cutContent } from './get-contact-timeline.tool.ts';

export const listInteractionsTool = defineTool(ListInteractions, {
  title: 'List interactions',
  description: 'Interactions across contacts, newest first, by contact, type, direction, dates, owner or who logged them (a rep: own contacts and own logs).',
  annotations: READ_ONLY,
  access: holds('interactions:read'),
  async handler({ cursor, limit, contactId, ...filters }, { core, actor }) {
    const query = { ...filters, contactId, limit };
    const page = pageCursor.decode(cursor, query);
    const result = await core.interactions.list(actor, { ...filters, limit, page }, contactId);
    return {
      // content may be 50,000 characters: a page of them would flood a model's context
      interactions: result.data.map((i) => cutContent(i, i.contactId)),
      totalCount: result.totalCount,
      totalCountExact: result.totalCountExact,
      nextCursor: result.pagination.hasNextPage ? pageCursor.encode(page + 1, query) : undefined,
    };
  },
  summarize: (out) =>
    out.interactions.length
      ? `${out.totalCountExact ? '' : 'over '}${out.totalCount} interaction(s) match; showing ${out.interactions.length}, newest ${out.interactions[0].createdAt.slice(0, 10)}${out.nextCursor ? ' (more: pass nextCursor)' : ''}.`
      : 'No interactions match.',
});
