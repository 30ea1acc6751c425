import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { ContactOut } from '../../contracts/crm-data/common.contract.ts';
import { toJsonValue } from '../../framework/json.ts';
import { guarded } from '../../framework/mcp-errors.ts';
import type { ModuleContext } from '../../framework/server-module.ts';
import { completeContactRef, contactUri, timelineUri, resolveContactRef } from '../resources/contact-ref.ts';
import { compactInteraction, embedJson, userText } from './prompt-content.ts';

const TONES = ['friendly', 'formal', 'concise'] as const;

export function registerDraftFollowUpEmailPrompt(server: McpServer, ctx: ModuleContext): void {
  server.registerPrompt(
    'draft_follow_up_email',
    {
      title: 'Draft follow-up email',
      description: 'A follow-up email to a contact that picks up the latest conversation and any open follow-ups. Drafts only; nothing is sent.',
      argsSchema: {
        contactId: completable(z.string().min(1).describe('Contact id (UUID) or email address'), (value) =>
          completeContactRef(ctx.deps.core, ctx.deps.actor, value),
        ),
        goal: z.string().max(500).optional().describe('What the email should achieve, e.g. "book a demo next week"'),
        tone: completable(z.enum(TONES).optional().describe(`One of ${TONES.join(', ')} (default friendly)`), (value) =>
          TONES.filter((t) => t.startsWith((value ?? '').toLowerCase())),
        ),
      },
    },
    guarded(ctx.logger, 'prompts/get', async ({ contactId, goal, tone }, extra) => {
      const { actor, core } = ctx.context(extra);
      const contact = await resolveContactRef(core, actor, contactId, 'contactId');
      const [timeline, followUps] = await Promise.all([
        core.interactions.timeline(actor, contact.id, { limit: 10 }),
        core.followUps.list(actor, { scope: 'open', contactId: contact.id, limit: 10 }),
      ]);
      const style = tone ?? 'friendly';
      return {
        description: `Follow-up email to ${contact.firstName} ${contact.lastName}`,
        messages: [
          embedJson(contactUri(contact.id), ContactOut.parse(toJsonValue(contact))),
          embedJson(timelineUri(contact.id), { ...timeline, interactions: timeline.interactions.map((i) => compactInteraction(i, 800)) }),
          embedJson(`crm://contacts/${contact.id}/follow-ups`, { openFollowUps: followUps }),
          userText(
            `Draft a ${style} follow-up email to ${contact.firstName} ${contact.lastName} <${contact.email}>.\n` +
              `Goal: ${goal?.trim() || 'move the conversation to a clear next step'}.\n\n` +
              'Refer to the most recent interaction specifically (what was discussed, what was promised). Address any open ' +
              'follow-up. One clear call to action. Under 150 words. Do not invent facts, prices or dates that are not above.\n\n' +
              'Reply with "Subject: …" on the first line, then the body. After the draft, add one line starting "Log:" that ' +
              'summarises the email for log_interaction (type EMAIL, channel EMAIL, direction OUTBOUND) once the user has sent it.',
          ),
        ],
      };
    }),
  );
}
