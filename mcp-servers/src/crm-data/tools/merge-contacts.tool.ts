import { holds } from '../../framework/access.ts';
import { MergeContacts } from '../../contracts/crm-data/contacts.contract.ts';
import { contactName } from '../../contracts/crm-data/common.contract.ts';
import { defineTool } from '../../framework/tool.ts';

export const mergeContactsTool = defineTool(MergeContacts, {
  title: 'Merge contacts',
  description:
    'Merge a duplicate contact into a primary one and delete the duplicate: its interactions and follow-ups move to the primary, ' +
    'empty fields of the primary are filled from it, custom fields are united (the primary wins) and its email is kept as an ' +
    'alternate email. The full duplicate is preserved in the audit log. Cannot be undone through MCP; confirm with the user first.',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  access: holds('contacts:write'),
  precheck: ({ primaryId, duplicateId }, { core, actor }) => core.merge.checks.merge(actor, { primaryId, duplicateId }),
  async handler({ primaryId, duplicateId }, { core, actor }) {
    const { contact, moved } = await core.merge.merge(actor, { primaryId, duplicateId });
    return { contact, mergedId: duplicateId, moved };
  },
  summarize: (out) =>
    `Merged into ${contactName(out.contact)} <${out.contact.email}>; moved ${out.moved.interactions} interaction(s) and ${out.moved.followUps} follow-up(s).`,
});
