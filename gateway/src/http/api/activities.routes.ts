import { CreateFollowUpInput, FollowUp, Interaction, ListFollowUpsQuery, LogInteractionInput, TimelineQuery, type CrmCore } from '@crm/core';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { actorOf, IdParams, PageQuery, pageOf, paginate, withErrors } from './api-schemas.ts';
import type { ZodTypeProvider } from './zod-route.ts';

const InteractionOut = Interaction;
const FollowUpOut = FollowUp;
const { after: _keyset, limit: _limit, ...followUpFilters } = ListFollowUpsQuery.shape;

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
      summary: "Interactions of one contact (the same timeline as /contacts/{id}/interactions)",
      querystring: z.object({ contactId: z.uuid('must be a contact id (UUID)'), type: TimelineQuery.shape.type, ...PageQuery }).strict(),
      response: withErrors({ 200: pageOf(InteractionOut) }),
    },
    handler: async (req) => {
      const { page, limit, contactId, type } = req.query;
      const fetch = Math.min(500, page * limit + 1);
      const t = await core.interactions.timeline(actorOf(req), contactId, { type, limit: fetch });
      return paginate(t.interactions, page, limit, t.interactions.length >= fetch);
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
      querystring: z.object({ ...followUpFilters, ...PageQuery }).strict(),
      response: withErrors({ 200: pageOf(FollowUpOut) }),
    },
    handler: async (req) => {
      const { page, limit, ...q } = req.query;
      const items = await core.followUps.list(actorOf(req), { ...q, limit: 500 });
      return paginate(items, page, limit, items.length >= 500);
    },
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
