import { AppError, LeadDataInput, LeadScoreResult, ModelInfoResult, ModelVersionInfo, RetrainOutcome, ScoreExplanation, WHAT_IF_ACTIONS, WhatIfResult, type CrmCore } from '@crm/core';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { actorOf, ContactIdParams, withErrors } from './api-schemas.ts';
import type { ZodTypeProvider } from './zod-route.ts';

/** The design's POST /ai/lead-scoring: a stored contact by id, or lead data that is not in the CRM. */
export const LeadScoringRequest = z
  .object({
    contactId: z.uuid('must be a contact id (UUID)').optional().describe('Score a stored contact from its own timeline'),
    lead: LeadDataInput.optional().describe('Or score a lead that is not in the CRM'),
  })
  .strict()
  .refine((v) => (v.contactId === undefined) !== (v.lead === undefined), { message: 'give either contactId or lead', path: ['contactId'] });

const ScoreOut = LeadScoreResult;

/** Lead scoring: scores with factors, explanations, what-if, the model registry and retraining. */
export const scoringRoutes: FastifyPluginAsync<{ core: CrmCore }> = async (app, { core }) => {
  const f = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['lead-scoring'];

  f.post('/ai/lead-scoring', {
    schema: { tags, summary: 'Calculate a lead score (read-only: the stored leadScore changes on events)', body: LeadScoringRequest, response: withErrors({ 200: ScoreOut }) },
    handler: (req) => {
      const actor = actorOf(req);
      return req.body.contactId ? core.scoring.scoreContact(actor, req.body.contactId) : core.scoring.scoreLead(actor, req.body.lead);
    },
  });

  f.get('/ai/lead-scoring/model', {
    schema: { tags, summary: 'Active scoring model, versions and thresholds', response: withErrors({ 200: ModelInfoResult }) },
    handler: (req) => core.scoring.modelInfo(actorOf(req)),
  });

  f.get('/ai/lead-scoring/model/versions/:version', {
    schema: { tags, summary: 'One model version', params: z.object({ version: z.coerce.number().int().min(1) }).strict(), response: withErrors({ 200: ModelVersionInfo }) },
    handler: async (req) => {
      const model = await core.scoring.modelVersion(actorOf(req), req.params.version);
      if (!model) throw AppError.notFound('Scoring model version', String(req.params.version));
      const { artifact: _weights, ...info } = model;
      return info;
    },
  });

  f.post('/ai/lead-scoring/retrain', {
    schema: { tags, summary: 'Retrain the tenant model; activated only if it beats the active one', body: z.object({}).strict().optional(), response: withErrors({ 200: RetrainOutcome }) },
    handler: (req) => core.scoring.retrain(actorOf(req)),
  });

  f.get('/ai/lead-scoring/contacts/:id', {
    schema: { tags, summary: 'Score of a contact with a plain-language explanation and comparable leads', params: ContactIdParams, response: withErrors({ 200: ScoreExplanation }) },
    handler: (req) => core.scoring.explain(actorOf(req), req.params.id),
  });

  f.post('/ai/lead-scoring/contacts/:id/what-if', {
    schema: {
      tags,
      summary: 'Score after achievable actions',
      params: ContactIdParams,
      body: z.object({ actions: z.array(z.enum(WHAT_IF_ACTIONS)).min(1).optional(), count: z.number().int().min(1).max(10).default(1) }).strict(),
      response: withErrors({ 200: WhatIfResult }),
    },
    handler: (req) => core.scoring.whatIf(actorOf(req), req.params.id, req.body),
  });
};
