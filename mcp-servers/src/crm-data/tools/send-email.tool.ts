import { SendEmail } from '../../contracts/crm-data/activities.contract.ts';
import { defineTool } from '../../framework/tool.ts';

export const sendEmailTool = defineTool(SendEmail, {
  title: 'Send email',
  description:
    'Email one contact at their stored address (SMTP when configured, else the local mailbox) and log it on their timeline as an outbound EMAIL. ' +
    'Leaves the CRM: assistants file it with request_approval first. Sales reps may email only their own contacts. The same idempotencyKey never sends twice.',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  precheck: (input, { core, actor }) => core.email.checks.send(actor, input),
  handler: (input, { core, actor }) => core.email.send(actor, input),
  summarize: (m) => (m.duplicate ? `Already sent to ${m.to}: "${m.subject}" (nothing sent again).` : `Sent "${m.subject}" to ${m.to} (${m.transport}).`),
});
