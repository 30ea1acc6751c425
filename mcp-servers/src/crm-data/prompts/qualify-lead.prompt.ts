import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { ContactOut } from '../../contracts/crm-data/common.contract.ts';
import { toJsonValue } from '../../framework/json.ts';
import { guarded } from '../../framework/mcp-errors.ts';
import type { ModuleContext } from '../../framework/server-module.ts';
import { completeContactRef, contactUri, resolveContactRef, timelineUri } from '../resources/contact-ref.ts';
import { compactInteraction, embedJson, userText } from './prompt-content.ts';

const INSTRUCTIONS = `Qualify this lead with the BANT framework, using only the contact record and the interaction timeline above.

For each of Budget, Authority, Need and Timeline give:
- "assessment": "confirmed" | "likely" | "unclear" | "negative"
- "evidence": short quotes or facts, each citing the interaction id (or "contact record") it comes from
- "gaps": what we still need to learn

Then give:
- "fitScore": 0-100, your overall judgement (say how it differs from the CRM lead score and why)
- "verdict": "qualified" | "nurture" | "disqualified"
- "recommendedStatus": LEAD | PROSPECT | CUSTOMER | INACTIVE
- "nextActions": up to 3 concrete next steps with suggested dates
- "questionsForNextCall": up to 5 questions that would close the gaps

Answer with one JSON object with exactly these keys: budget, authority, need, timeline, fitScore, verdict,
recommendedStatus, nextActions, questionsForNextCall. Do not invent facts that are not in the data: say
"unclear" instead. Do not change the CRM; the user decides (change_contact_status, create_follow_up).`;

export function registerQualifyLeadPrompt(server: McpServer, ctx: ModuleContext): void {
  server.registerPrompt(
    'qualify_lead',
    {
      title: 'Qualify lead (BANT)',
      description: 'A structured BANT qualification of one contact from its record and interaction timeline, as JSON.',
      argsSchema: {
        contactId: completable(z.string().min(1).describe('Contact id (UUID) or email address'), (value) =>
          completeContactRef(ctx.deps.core, ctx.deps.actor, value),
        ),
      },
    },
    guarded(ctx.logger, 'prompts/get', async ({ contactId }, extra) => {
      const { actor, core } = ctx.context(extra);
      const contact = await resolveContactRef(core, actor, contactId, 'contactId');
      const timeline = await core.interactions.timeline(actor, contact.id, { limit: 50 });
      return {
        description: `BANT qualification of ${contact.firstName} ${contact.lastName}`,
        messages: [
          embedJson(contactUri(contact.id), ContactOut.parse(toJsonValue(contact))),
          embedJson(timelineUri(contact.id), { ...timeline, interactions: timeline.interactions.map((i) => compactInteraction(i)) }),
          userText(INSTRUCTIONS),
        ],
      };
    }),
  );
}
