import { AnalyzeCustomerJourney } from '../../contracts/insights/insights.contract.ts';
import { READ_ONLY, defineTool } from '../../framework/tool.ts';

export const analyzeCustomerJourneyTool = defineTool(AnalyzeCustomerJourney, {
  title: 'Analyze customer journey',
  description:
    'One contact\'s journey: stages from the status history with the interactions, channels and sentiment of each, pain points ' +
    '(negative-sentiment interactions, long silences, unanswered or slow-answered inbound messages) and optimisation opportunities.',
  annotations: READ_ONLY,
  handler: (args, { core, actor }) => core.journeys.analyze(actor, args),
  summarize: (o) => `${o.contact.name} (${o.contact.status}): ${o.journey_stages.map((s) => s.stage).join(' → ')}; ${o.pain_points.length} pain point(s), ${o.optimization_opportunities.length} opportunity(ies).`,
});
