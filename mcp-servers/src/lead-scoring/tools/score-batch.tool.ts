import { ScoreBatch } from '../../contracts/lead-scoring/lead-scoring.contract.ts';
import { READ_ONLY, defineTool } from '../../framework/tool.ts';

export const scoreBatchTool = defineTool(ScoreBatch, {
  title: 'Score many leads',
  description: 'Current score, confidence and top three factors of up to 200 stored contacts at once (read-only).',
  annotations: READ_ONLY,
  handler: async ({ contact_ids }, { core, actor }) => {
    const results = await core.scoring.scoreBatch(actor, contact_ids);
    return {
      results: results.map((r) => ({
        contact_id: r.contactId!,
        score: r.score,
        confidence: r.confidence,
        source: r.source,
        top_factors: r.factors.filter((f) => f.name !== 'other_factors').slice(0, 3).map((f) => f.name),
      })),
    };
  },
  summarize: (b) => {
    const scores = b.results.map((r) => r.score);
    return `Scored ${scores.length} leads: highest ${Math.max(...scores)}, lowest ${Math.min(...scores)}.`;
  },
});
