import type { CrmCore } from '@crm/core';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { actorOf, IdParams, pageOf, PageQuery, withErrors } from './api-schemas.ts';
import type { ZodTypeProvider } from './zod-route.ts';

const SavedReportOut = z.object({
  id: z.uuid(),
  kind: z.string().describe('e.g. pipeline_digest (the weekly digest agent)'),
  slotKey: z.string().describe('The schedule slot it was written for; one report per tenant, kind and slot'),
  title: z.string(),
  periodStart: z.date(),
  periodEnd: z.date(),
  body: z.string().describe('The plain-text report as emailed'),
  data: z.record(z.string(), z.unknown()).describe('The figures the body was written from'),
  createdBy: z.string().nullable(),
  createdVia: z.string().nullable(),
  recipients: z.array(z.string()).describe('Addresses it was emailed to (empty when it was not emailed)'),
  emailedAt: z.date().nullable(),
  createdAt: z.date(),
});

/** Reports kept for later (the weekly pipeline digest): read-only here; the digest agent writes them (save_report). */
export const savedReportRoutes: FastifyPluginAsync<{ core: CrmCore }> = async (app, { core }) => {
  const f = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['reports'];

  f.get('/saved-reports', {
    schema: {
      tags,
      summary: 'Saved reports (the weekly digest), newest period first',
      querystring: z.object({ kind: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'must be snake_case, e.g. pipeline_digest').optional(), ...PageQuery }).strict(),
      response: withErrors({ 200: pageOf(SavedReportOut) }),
    },
    handler: async (req) => {
      const { page, limit, kind } = req.query;
      const { reports, total } = await core.savedReports.page(actorOf(req), { kind, limit, offset: (page - 1) * limit });
      const totalPages = Math.max(1, Math.ceil(total / limit));
      return { data: reports, pagination: { page, limit, totalPages, hasNextPage: page < totalPages, hasPreviousPage: page > 1 }, totalCount: total, totalCountExact: true };
    },
  });

  f.get('/saved-reports/:id', {
    schema: { tags, summary: 'One saved report with its body, figures and recipients', params: IdParams, response: withErrors({ 200: SavedReportOut }) },
    handler: (req) => core.savedReports.get(actorOf(req), req.params.id),
  });
};
