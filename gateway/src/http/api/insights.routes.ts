import {
  AnalyzeJourneyInput,
  AnalyzeJourneyOutput,
  createMailboxTransport,
  CreateReportScheduleInput,
  DateRange,
  AnomaliesResult,
  DetectAnomaliesInput,
  ForecastInput,
  ForecastResult,
  GenerateInsightsInput,
  GenerateInsightsOutput,
  METRIC_GROUPS,
  MetricsQuery,
  ReportDefinition,
  StoredReportScheduleSchema,
  UpdateReportScheduleInput,
  WorkflowsEnv,
  reportCsv,
  reportHtml,
  periodEndingAt,
  type CrmCore,
  type ReportDelivery,
} from '@crm/core';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { actorOf, AnyObject, ContactIdParams, IdParams, withErrors } from './api-schemas.ts';
import type { ZodTypeProvider } from './zod-route.ts';

const RangeQuery = {
  start: DateRange.shape.start.optional(),
  end: DateRange.shape.end.optional(),
};
/** start/end query parameters (default: the 30 days up to `end`, or up to now). */
function range(q: { start?: Date; end?: Date }): z.input<typeof DateRange> {
  const end = q.end ?? new Date();
  return q.start ? { start: q.start, end } : periodEndingAt(end, 30);
}
const Segment = z.string().regex(/^(source|campaign)=.{1,128}$/, 'must look like source=<name> or campaign=<id>').optional();

/** Metrics, analytics, insights, predictions, journeys and reports. */
/** What sending a scheduled report now did: mails sent, or why it failed. */
const ReportRunOut = z.object({
  scheduleId: z.uuid(),
  status: z.enum(['succeeded', 'failed']),
  sent: z.number().int().min(0),
  error: z.string().optional(),
});

/** One segment of `GET /analytics/segments`: contacts (trials), conversions (successes) and touches. */
const SegmentRowOut = z.object({
  dim: z.enum(['source', 'campaign', 'owner']),
  key: z.string(),
  label: z.string().describe("display label (the user's name for owners)"),
  trials: z.number().int(),
  successes: z.number().int(),
  touches: z.number().int(),
});

/** `GET /analytics/daily`: one point per day of the range, in the tenant's time zone. */
const DailySeriesOut = z.object({
  /** `all`: the whole tenant; `own`: a rep's own contacts and interactions. */
  scope: z.enum(['all', 'own']),
  timeZone: z.string(),
  points: z.array(
    z.object({
      day: z.string().describe('YYYY-MM-DD in the tenant time zone'),
      newContacts: z.number().int(),
      conversions: z.number().int(),
      interactions: z.number().int(),
      inbound: z.number().int(),
      sentimentSum: z.number(),
      sentimentCount: z.number().int(),
    }),
  ),
});

export const insightRoutes: FastifyPluginAsync<{ core: CrmCore; reportDelivery?: () => ReportDelivery }> = async (app, { core, reportDelivery }) => {
  const f = app.withTypeProvider<ZodTypeProvider>();
  const delivery = reportDelivery ?? (() => ({ mail: createMailboxTransport(core.db), from: WorkflowsEnv.parse({}).MAIL_FROM }));

  f.get('/metrics', {
    // the service's dateRange is made of the query's start and end
    config: { issuePaths: { 'dateRange.start': 'query.start', 'dateRange.end': 'query.end', dateRange: 'query' } },
    schema: {
      tags: ['analytics'],
      summary: 'Pipeline, conversion, velocity, activity, response time and sentiment with period-over-period change',
      querystring: z
        .object({ ...RangeQuery, groups: z.string().optional().describe(`comma-separated: ${METRIC_GROUPS.join(', ')}`), ownerId: MetricsQuery.shape.ownerId })
        .strict(),
      response: withErrors({ 200: AnyObject }),
    },
    handler: (req) => {
      const { groups, ...q } = req.query;
      return core.analytics.metrics(actorOf(req), {
        ...(q.start || q.end ? { dateRange: range(q) } : {}),
        ...(groups ? { groups: groups.split(',').map((g) => g.trim()) as never } : {}),
        ...(q.ownerId ? { ownerId: q.ownerId } : {}),
      });
    },
  });

  f.get('/analytics/segments', {
    schema: { tags: ['analytics'], summary: 'Contacts, conversions and touches per source, campaign and owner', querystring: z.object({ ...RangeQuery, segment: Segment }).strict(), response: withErrors({ 200: z.object({ data: z.array(SegmentRowOut) }) }) },
    handler: async (req) => ({ data: await core.analytics.segments(actorOf(req), range(req.query), req.query.segment) }),
  });

  f.get('/analytics/daily', {
    schema: { tags: ['analytics'], summary: 'Daily series (new contacts, conversions, interactions, sentiment)', querystring: z.object({ ...RangeQuery, segment: Segment }).strict(), response: withErrors({ 200: DailySeriesOut }) },
    handler: (req) => core.analytics.daily(actorOf(req), range(req.query), req.query.segment),
  });

  f.post('/insights', {
    schema: { tags: ['insights'], summary: 'Generate insights (trends, anomalies, segments, rep comparison, forecast)', body: GenerateInsightsInput, response: withErrors({ 200: GenerateInsightsOutput }) },
    handler: (req) => core.insights.generate(actorOf(req), req.body),
  });

  f.post('/insights/anomalies', {
    schema: { tags: ['insights'], summary: 'Anomalous days of a daily series', body: DetectAnomaliesInput, response: withErrors({ 200: AnomaliesResult }) },
    handler: (req) => core.insights.anomalies(actorOf(req), req.body),
  });

  f.post('/predictions/forecast', {
    schema: { tags: ['insights'], summary: 'Forecast a daily series with prediction intervals', body: ForecastInput, response: withErrors({ 200: ForecastResult }) },
    handler: (req) => core.insights.forecast(actorOf(req), req.body),
  });

  f.get('/contacts/:id/journey', {
    schema: { tags: ['insights'], summary: 'Lifecycle stages of a contact with time in each', params: ContactIdParams, response: withErrors({ 200: AnalyzeJourneyOutput }) },
    handler: (req) => core.journeys.analyze(actorOf(req), { contact_id: req.params.id } satisfies z.input<typeof AnalyzeJourneyInput>),
  });

  f.post('/reports', {
    schema: {
      tags: ['reports'],
      summary: 'Run an analytics report (JSON, or ?format=html|csv)',
      querystring: z.object({ format: z.enum(['json', 'html', 'csv']).default('json') }).strict(),
      body: ReportDefinition,
      response: withErrors({ 200: AnyObject }),
    },
    handler: async (req, reply) => {
      const report = await core.reports.run(actorOf(req), req.body);
      if (req.query.format === 'html') return reply.type('text/html; charset=utf-8').send(reportHtml(report));
      if (req.query.format === 'csv') return reply.type('text/csv; charset=utf-8').send(reportCsv(report));
      return report;
    },
  });

  // Stored report definitions emailed on a cron schedule (reports:read to see, reports:write to change).
  f.get('/reports/schedules', {
    schema: { tags: ['reports'], summary: 'Stored report schedules with next run and last status', response: withErrors({ 200: z.object({ data: z.array(StoredReportScheduleSchema) }) }) },
    handler: async (req) => ({ data: await core.reportSchedules.list(actorOf(req)) }),
  });

  f.post('/reports/schedules', {
    schema: { tags: ['reports'], summary: 'Store a report definition emailed on a cron schedule', body: CreateReportScheduleInput, response: withErrors({ 201: StoredReportScheduleSchema }) },
    handler: async (req, reply) => reply.status(201).send(await core.reportSchedules.create(actorOf(req), req.body)),
  });

  f.get('/reports/schedules/:id', {
    schema: { tags: ['reports'], summary: 'One report schedule', params: IdParams, response: withErrors({ 200: StoredReportScheduleSchema }) },
    handler: (req) => core.reportSchedules.get(actorOf(req), req.params.id),
  });

  f.patch('/reports/schedules/:id', {
    schema: { tags: ['reports'], summary: 'Change a report schedule (a new cron recomputes the next run)', params: IdParams, body: UpdateReportScheduleInput, response: withErrors({ 200: StoredReportScheduleSchema }) },
    handler: (req) => core.reportSchedules.update(actorOf(req), req.params.id, req.body),
  });

  f.delete('/reports/schedules/:id', {
    schema: { tags: ['reports'], summary: 'Delete a report schedule', params: IdParams, response: withErrors({ 204: z.null().describe('deleted') }) },
    handler: async (req, reply) => {
      await core.reportSchedules.remove(actorOf(req), req.params.id);
      return reply.status(204).send();
    },
  });

  f.post('/reports/schedules/:id/run', {
    schema: { tags: ['reports'], summary: 'Email a scheduled report now (its next scheduled run is unchanged)', params: IdParams, response: withErrors({ 200: ReportRunOut }) },
    handler: (req) => core.reportSchedules.runNow(actorOf(req), req.params.id, delivery()),
  });
};
