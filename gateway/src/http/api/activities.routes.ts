import { CreateFollowUpInput, FollowUp, FollowUpPageQuery, fromBeforeTo, Interaction, ListInteractionsFilters, LogInteractionInput, type CrmCore } from '@crm/core';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { actorOf, IdParams, pageOf, withErrors } from './api-schemas.ts';
import type { ZodTypeProvider } from './zod-route.ts';

const InteractionOut = Interaction;
const FollowUpOut = FollowUp;

/** Interactions and follow-ups: the activity on contacts. */
export const activityRoutes: FastifyPluginAsync<{ core: CrmCore }> = async (app, { core }) => {
  const f = app.withTypeProvider<ZodTypeProvider>();

  f.post('/interactions', {
    schema: { tags: ['interactions'], summary: 'Log an interaction with a contact', body: LogInteractionInput, response: withErrors({ 201: InteractionOut }) },
    handler: async (req, reply) => reply.status(201).send(await core.interactions.log(actorOf(req), req.body)),
  });

  f.get('/interactions', {
    schema: {
      tags: ['interactions'],
      summary: 'Interactions across contacts (or of one contact), newest first, filtered and paged',
      description:
        'Tenant-wide without `contactId`. A sales rep sees every interaction on their own contacts and the ones they logged themselves elsewhere. ' +
        '`ownerId`: contacts assigned to that user; `userId`: logged by that user; `from` inclusive, `to` exclusive. ' +
        'totalCount is exact up to 10,000 matches (then totalCountExact is false); page ≤ 500.',
      querystring: ListInteractionsFilters.extend({ contactId: z.uuid('must be a contact id (UUID)').optional() })
        .strict()
        .refine(fromBeforeTo, { path: ['to'], message: 'must be after from' }),
      response: withErrors({ 200: pageOf(InteractionOut) }),
    },
    handler: async (req) => {
      const { contactId, ...q } = req.query;
      return core.interactions.list(actorOf(req), q, contactId);
    },
  });

  f.post('/follow-ups', {
    schema: { tags: ['follow-ups'], summary: 'Schedule a follow-up', body: CreateFollowUpInput, response: withErrors({ 201: FollowUpOut }) },
    handler: async (req, reply) => reply.status(201).send(await core.followUps.create(actorOf(req), req.body)),
  });

  f.get('/follow-ups', {
    schema: {
      tags: ['follow-ups'],
      summary: 'Follow-ups (open by default), earliest due first',
      description: 'totalCount is exact up to 10,000 matches (then totalCountExact is false); page ≤ 500.',
      querystring: FollowUpPageQuery,
      response: withErrors({ 200: pageOf(FollowUpOut) }),
    },
    handler: (req) => core.followUps.page(actorOf(req), req.query),
  });

  f.post('/follow-ups/:id/complete', {
    schema: {
      tags: ['follow-ups'],
      summary: 'Mark a follow-up done',
      params: IdParams,
      body: z.object({ note: z.string().max(5000).optional() }).strict().optional(),
      response: withErrors({ 200: FollowUpOut }),
    },
    handler: (req) => core.followUps.complete(actorOf(req), req.params.id, req.body?.note),
  });
};
