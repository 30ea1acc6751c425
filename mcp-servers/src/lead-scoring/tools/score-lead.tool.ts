import { ScoreLead } from '../../contracts/lead-scoring/lead-scoring.contract.ts';
import { READ_ONLY, defineTool } from '../../framework/tool.ts';
import { bySource, toScoreOut } from '../score-out.ts';

export const scoreLeadTool = defineTool(ScoreLead, {
  title: 'Score lead',
  description:
    'Lead score 0-100 with confidence, the factors behind it (name, weight on the log-odds, value, impact HIGH/MEDIUM/LOW), ' +
    'a recommendation, next actions and a what-if of achievable actions. Give contact_id for a stored contact, or contact_data ' +
    '(+ interaction_history, company_profile) for a lead not in the CRM; company_profile fields count as the custom fields ' +
    'industry, companySize, budget and country. Read-only: it does not change the stored lead score.',
  annotations: READ_ONLY,
  handler: async (input, { core, actor }) => {
    if (input.contact_id) return toScoreOut(await core.scoring.scoreContact(actor, input.contact_id));
    const d = input.contact_data!;
    const p = input.company_profile ?? {};
    const profile = Object.fromEntries(
      Object.entries({ industry: p.industry, companySize: p.size, budget: p.budget, country: p.country }).filter(([, v]) => v !== undefined),
    );
    const result = await core.scoring.scoreLead(actor, {
      contact: {
        email: d.email,
        company: d.company ?? p.name,
        position: d.position,
        phone: d.phone,
        source: d.source,
        campaign: d.campaign,
        ...(d.created_at ? { createdAt: d.created_at } : {}),
        customFields: { ...profile, ...d.custom_fields },
      },
      interactions: (input.interaction_history ?? []).map((i) => ({
        type: i.type,
        channel: i.channel,
        direction: i.direction,
        occurredAt: i.occurred_at,
        sentiment: i.sentiment,
      })),
    });
    return toScoreOut(result);
  },
  summarize: (s) =>
    (s.closed ? `${s.closed.note[0].toUpperCase()}${s.closed.note.slice(1)}. ` : '') +
    `Score ${s.score}/100 (confidence ${s.confidence}) from the ${bySource(s)}${s.degraded ? `; ${s.degraded.service} unavailable, scored locally` : ''}. ${s.recommendation}`,
});
