import { FindDuplicateContacts } from '../../contracts/crm-data/contacts.contract.ts';
import { contactName } from '../../contracts/crm-data/common.contract.ts';
import { defineTool, READ_ONLY } from '../../framework/tool.ts';

export const findDuplicateContactsTool = defineTool(FindDuplicateContacts, {
  title: 'Find duplicate contacts',
  description:
    'Pairs of contacts that are probably the same person (the same phone number in any format, the same email name at another domain ' +
    'ignoring dots and +tags, or the same name), strongest evidence first, with the reasons. Optionally only pairs involving one contact. ' +
    'Review before merge_contacts.',
  annotations: READ_ONLY,
  async handler(query, { core, actor }) {
    return { pairs: await core.merge.findDuplicates(actor, query) };
  },
  summarize: (out) =>
    out.pairs.length
      ? `${out.pairs.length} likely duplicate pair(s); top: ${contactName(out.pairs[0].a)} / ${contactName(out.pairs[0].b)} (${out.pairs[0].reasons.join(', ')})`
      : 'No likely duplicates found.',
});
