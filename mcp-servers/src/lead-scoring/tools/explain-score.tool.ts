import { ExplainScore } from '../../contracts/lead-scoring/lead-scoring.contract.ts';
import { READ_ONLY, defineTool } from '../../framework/tool.ts';

export const explainScoreTool = defineTool(ExplainScore, {
  title: 'Explain lead score',
  description:
    'Why a contact scores what it does: a plain-language explanation, the factors, suggestions that would raise the score ' +
    '(computed by re-scoring with each action added) and comparable closed leads with how they ended.',
  annotations: READ_ONLY,
  handler: async ({ contact_id, score }, { core, actor }) => {
    const e = await core.scoring.explain(actor, contact_id);
    return {
      contact_id,
      score: e.result.score,
      previous_score: score ?? null,
      source: e.result.source,
      model_version: e.result.modelVersion,
      explanation: e.explanation,
      factors: e.result.factors,
      improvement_suggestions: e.improvementSuggestions,
      comparable_leads: e.comparableLeads,
    };
  },
  summarize: (e) => e.explanation,
});
