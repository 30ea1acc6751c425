import { GenerateInsights } from '../../contracts/insights/insights.contract.ts';
import { READ_ONLY, defineTool } from '../../framework/tool.ts';

export const generateInsightsTool = defineTool(GenerateInsights, {
  title: 'Generate insights',
  description:
    'What changed, what is unusual, what converts and what is likely next, as AIInsight objects (TREND_ANALYSIS, ANOMALY_DETECTION, ' +
    'OPPORTUNITY_IDENTIFICATION, PERFORMANCE_COMPARISON, PREDICTIVE_FORECAST). Statistical tests decide each insight (Mann-Kendall, ' +
    'seasonal robust scores, Holm-adjusted proportion tests, Holt-Winters); dataPoints list the evidence. Sales reps get their own book only.',
  annotations: READ_ONLY,
  handler: (args, { core, actor }) => core.insights.generate(actor, args),
  summarize: (o) => `${o.insights.length} insight(s): ${o.insights.slice(0, 3).map((i) => i.title).join('; ') || 'nothing significant in this period'}.`,
});
