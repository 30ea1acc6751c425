import { Forecast } from '../../contracts/insights/insights.contract.ts';
import { READ_ONLY, defineTool } from '../../framework/tool.ts';

export const forecastTool = defineTool(Forecast, {
  title: 'Forecast',
  description:
    'Forecast a daily count (default: deals won) for the next days with Holt-Winters (additive trend and weekly season) and ' +
    'prediction intervals at the requested coverage, per day and for the whole horizon.',
  annotations: READ_ONLY,
  handler: (args, { core, actor }) => core.insights.forecast(actor, args),
  summarize: (o) => `${o.metric} over the next ${o.steps.length} day(s): ${o.total.mean.toFixed(1)} (${Math.round(o.level * 100)}% interval ${o.total.low.toFixed(1)}–${o.total.high.toFixed(1)}).`,
});
