import {
  ChangeStatusInput,
  Contact,
  CreateContactInput,
  FindDuplicatesQuery,
  Interaction,
  ListContactsQuery,
  MergeContactsInput,
  TimelinePageQuery,
  UpdateContactInput,
  type CrmCore,
} from '@crm/core';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { actorOf, ContactIdParams, PageQuery, pageOf, paginate, withErrors } from './api-schemas.ts';
import { objectSerializer, pageSerializer, registerSerializer } from './json-serializer.ts';
import { named } from './openapi-schemas.ts';
import type { ZodTypeProvider } from './zod-route.ts';

/** leadScore is computed by scoring: the REST bodies do not take it (mass assignment → 400 naming it). */
export const CreateContactBody = named(CreateContactInput.omit({ leadScore: true }).strict(), 'CreateContactInput');
const { leadScore: _computed, ...updatable } = UpdateContactInput.shape;
export const UpdateContactBody = named(
  z
    .object(updatable)
    .partial()
    .strict()
    .refine((v) => Object.keys(v).length > 0, 'at least one field must be given'),
  'UpdateContactInput',
);
const ContactOut = Contact;
export const ContactPage = pageOf(ContactOut);
// the hot responses (contact by id, contact lists) skip JSON.stringify's slow path for Dates
const contactJson = objectSerializer(ContactOut);
registerSerializer(ContactOut, contactJson);
registerSerializer(ContactPage, pageSerializer(contactJson));
const InteractionOut = Interaction;

/** Two contacts that look like one person, how sure (0–1) and why. */
const DuplicateSide = ContactOut.pick({ id: true, firstName: true, lastName: true, email: true, company: true, phone: true });
const DuplicatePairOut = z.object({ a: DuplicateSide, b: DuplicateSide, score: z.number().min(0).max(1), reasons: z.array(z.string()) });

/** The merged primary contact and what moved to it from the duplicate. */
const MergeOut = z.object({
  contact: ContactOut,
  moved: z.object({ interactions: z.number().int().min(0), followUps: z.number().int().min(0) }),
});

export const contactRoutes: FastifyPluginAsync<{ core: CrmCore }> = async (app, { core }) => {
  const f = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['contacts'];

  f.get('/contacts', {
    schema: { tags, summary: 'List contacts with filtering and pagination', querystring: ListContactsQuery, response: withErrors({ 200: ContactPage }) },
    handler: (req) => core.contacts.list(actorOf(req), req.query),
  });

  f.post('/contacts', {
    schema: { tags, summary: 'Create a contact', body: CreateContactBody, response: withErrors({ 201: ContactOut }) },
    handler: async (req, reply) => {
      const contact = await core.contacts.create(actorOf(req), req.body);
      return reply.status(201).header('location', `/api/v1/contacts/${contact.id}`).send(contact);
    },
  });

  f.get('/contacts/duplicates', {
    schema: { tags, summary: 'Likely duplicate contacts', querystring: FindDuplicatesQuery.extend({ page: PageQuery.page, limit: PageQuery.limit }).strict(), response: withErrors({ 200: pageOf(DuplicatePairOut) }) },
    handler: async (req) => {
      const { page, limit, ...q } = req.query;
      const pairs = await core.merge.findDuplicates(actorOf(req), { ...q, limit: 200 });
      return paginate(pairs, page, limit, pairs.length >= 200);
    },
  });

  f.post('/contacts/merge', {
    schema: { tags, summary: 'Merge a duplicate into a primary contact', body: MergeContactsInput, response: withErrors({ 200: MergeOut }) },
    handler: (req) => core.merge.merge(actorOf(req), req.body),
  });

  f.get('/contacts/:id', {
    schema: { tags, summary: 'Get a contact', params: ContactIdParams, response: withErrors({ 200: ContactOut }) },
    handler: (req) => core.contacts.get(actorOf(req), req.params.id),
  });

  f.patch('/contacts/:id', {
    schema: { tags, summary: 'Change some fields of a contact (status: POST …/status)', params: ContactIdParams, body: UpdateContactBody, response: withErrors({ 200: ContactOut }) },
    handler: (req) => core.contacts.update(actorOf(req), req.params.id, req.body),
  });

  f.delete('/contacts/:id', {
    schema: { tags, summary: 'Delete a contact with its interactions and follow-ups', params: ContactIdParams, response: withErrors({ 204: z.null() }) },
    handler: async (req, reply) => {
      await core.contacts.remove(actorOf(req), req.params.id);
      return reply.status(204).send();
    },
  });

  f.post('/contacts/:id/status', {
    schema: { tags, summary: 'Change the lifecycle status of a contact', params: ContactIdParams, body: ChangeStatusInput, response: withErrors({ 200: ContactOut }) },
    handler: (req) => core.contacts.changeStatus(actorOf(req), req.params.id, req.body),
  });

  f.get('/contacts/:id/interactions', {
    schema: {
      tags,
      summary: 'Interaction timeline of a contact, newest first',
      description: '`before` is exclusive. totalCount is exact up to 10,000 matches (then totalCountExact is false); page ≤ 500.',
      params: ContactIdParams,
      querystring: TimelinePageQuery,
      response: withErrors({ 200: pageOf(InteractionOut).extend({ contact: z.object({ id: z.uuid(), name: z.string() }) }) }),
    },
    handler: (req) => core.interactions.timelinePage(actorOf(req), req.params.id, req.query),
  });
};
