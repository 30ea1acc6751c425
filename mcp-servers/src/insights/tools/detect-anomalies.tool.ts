import { DetectAnomalies } from '../../contracts/insights/insights.contract.ts';
import { READ_ONLY, defineTool } from '../../framework/tool.ts';

export const detectAnomaliesTool = defineTool(DetectAnomalies, {
  title: 'Detect anomalies',
  description:
    'Unusual days in one daily series (new_contacts, conversions, interactions, inbound, sentiment): seasonal (weekly) robust scores ' +
    'against a median baseline, with a threshold corrected for the number of days so flat noisy data stays quiet.',
  annotations: READ_ONLY,
  handler: (args, { core, actor }) => core.insights.anomalies(actor, args as never),
  summarize: (o) => `${o.anomalies.length} unusual day(s) in ${o.metric} over ${o.days} days${o.anomalies.length ? `: ${o.anomalies.map((a) => `${a.day} (${a.direction})`).join(', ')}` : ''}.`,
});
