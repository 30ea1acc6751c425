import { holds } from '../../framework/access.ts';
import { listMailbox } from '@crm/core/contracts';
import { ListMailbox, MAILBOX_HTML_PREVIEW_CHARS } from '../../contracts/workflow/workflow.contract.ts';
import { defineTool, READ_ONLY } from '../../framework/tool.ts';
import { mailboxView } from '../mailbox.resources.ts';

export const listMailboxTool = defineTool(ListMailbox, {
  title: 'List local mailbox',
  description:
    "Mail that workflows and scheduled reports sent while no SMTP server is configured: it stays in the CRM's local mailbox, nothing leaves the machine. " +
    `Each message has its text, its HTML (cut at ${MAILBOX_HTML_PREVIEW_CHARS} characters; read crm://mailbox/{id} for all of it) and its attachments' ` +
    'metadata; read an attachment\'s uri (crm://mailbox/{id}/attachments/{filename}) for its bytes.',
  annotations: READ_ONLY,
  access: holds('workflows:read'),
  handler: async (input, { core, actor }) => ({ messages: (await listMailbox(core.db, actor, input)).map((m) => mailboxView(m, MAILBOX_HTML_PREVIEW_CHARS)) }),
  summarize: (o) => `${o.messages.length} message(s)${o.messages.some((m) => m.attachments.length) ? `, ${o.messages.reduce((n, m) => n + m.attachments.length, 0)} attachment(s)` : ''}.`,
});
