import { WhatIf } from '../../contracts/lead-scoring/lead-scoring.contract.ts';
import { READ_ONLY, defineTool } from '../../framework/tool.ts';

export const whatIfTool = defineTool(WhatIf, {
  title: 'What would raise the score',
  description:
    'Re-score a contact as if achievable actions had just happened (meeting, inbound_reply, form_submission, website_visit, ' +
    'phone_call; each alone, count times) and rank them by points gained. Nothing is stored.',
  annotations: READ_ONLY,
  handler: async ({ contact_id, actions, count }, { core, actor }) => {
    const w = await core.scoring.whatIf(actor, contact_id, { actions, count });
    return { contact_id, current_score: w.current, source: w.source, model_version: w.modelVersion, scenarios: w.scenarios };
  },
  summarize: (w) => {
    const best = w.scenarios[0];
    return `Now ${w.current_score}/100; best: ${best ? `${best.label} → ${best.score} (${best.delta >= 0 ? '+' : ''}${best.delta})` : 'nothing'}.`;
  },
});
