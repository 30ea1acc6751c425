import { SearchContacts } from '../../contracts/crm-data/contacts.contract.ts';
import { contactName } from '../../contracts/crm-data/common.contract.ts';
import { pageCursor } from '../../framework/pagination.ts';
import { defineTool, READ_ONLY } from '../../framework/tool.ts';

export const searchContactsTool = defineTool(SearchContacts, {
  title: 'Search contacts',
  description:
    'Find contacts by words in their name, email or company, and/or filter by status, lead score range, owner, source or dates. ' +
    'Returns one page of compact contact summaries (newest first unless sort/order say otherwise) with totalCount; ' +
    'pass nextCursor back as cursor for the next page. Use get_contact for every field of one contact.',
  annotations: READ_ONLY,
  async handler({ cursor, limit, ...filters }, { core, actor }) {
    const query = { ...filters, limit };
    const page = pageCursor.decode(cursor, query);
    const result = await core.contacts.list(actor, { ...query, page });
    return {
      contacts: result.data,
      totalCount: result.totalCount,
      totalCountExact: result.totalCountExact,
      nextCursor: result.pagination.hasNextPage ? pageCursor.encode(page + 1, query) : undefined,
    };
  },
  summarize: (out) =>
    out.contacts.length
      ? `${out.totalCountExact ? '' : 'about '}${out.totalCount} contact(s) match; showing ${out.contacts.length}: ${out.contacts.slice(0, 5).map(contactName).join(', ')}${out.contacts.length > 5 ? ', …' : ''}${out.nextCursor ? ' (more: pass nextCursor)' : ''}`
      : 'No contacts match.',
});
