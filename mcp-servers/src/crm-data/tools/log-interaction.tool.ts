import { LogInteraction } from '../../contracts/crm-data/activities.contract.ts';
import { defineTool } from '../../framework/tool.ts';

export const logInteractionTool = defineTool(LogInteraction, {
  title: 'Log interaction',
  description:
    'Record an email, call, meeting, chat, social media contact, form submission or website visit with a contact: ' +
    'type, channel, direction (INBOUND from the contact, OUTBOUND from us) and notes are needed. It updates the contact\'s ' +
    'last contact date; with scheduledFollowUp it also creates a follow-up task. Sales reps may log only on their own contacts.',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  precheck: (input, { core, actor }) => core.interactions.checks.log(actor, input),
  handler: (input, { core, actor }) => core.interactions.log(actor, input),
  summarize: (i) => `Logged ${i.direction.toLowerCase()} ${i.type.toLowerCase().replace('_', ' ')} (id ${i.id})${i.scheduledFollowUp ? `; follow-up due ${i.scheduledFollowUp}` : ''}.`,
});
