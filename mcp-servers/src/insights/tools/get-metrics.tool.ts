import { GetMetrics } from '../../contracts/insights/insights.contract.ts';
import { READ_ONLY, defineTool } from '../../framework/tool.ts';

export const getMetricsTool = defineTool(GetMetrics, {
  title: 'Get metrics',
  description:
    'Pipeline by status, conversion rate by source/campaign/owner, lead velocity (days LEAD → CUSTOMER), activity per rep, response ' +
    'time to inbound interactions and sentiment, each as a Metric with period-over-period change, trend (UP/DOWN/STABLE only when ' +
    'significant at 5%), confidence (1 − p) and the team benchmark for segments.',
  annotations: READ_ONLY,
  handler: ({ date_range, groups, owner_id }, { core, actor }) => core.analytics.metrics(actor, { dateRange: date_range as never, groups, ownerId: owner_id }),
  summarize: (o) => `${o.metrics.length} metric(s) for ${o.period.start.slice(0, 10)} – ${o.period.end.slice(0, 10)} (${o.scope} data).`,
});
