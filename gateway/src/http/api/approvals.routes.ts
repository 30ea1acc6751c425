import { Approval, ApprovalKind, DecideApprovalInput, type CrmCore } from '@crm/core';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { actorOf, IdParams, withErrors } from './api-schemas.ts';
import type { ZodTypeProvider } from './zod-route.ts';

const ApprovalPage = z.object({
  data: z.array(Approval),
  /** Pass as `beforeCreatedAt` + `beforeId` for the next (older) page; null on the last page. */
  next: z.object({ beforeCreatedAt: z.string(), beforeId: z.uuid() }).nullable(),
});

/**
 * The approval queue (core/src/approvals): what the assistant and workflow steps are waiting on.
 * Approving an agent action runs it once, as the user it was filed for; core decides who may see
 * and decide what.
 */
export const approvalRoutes: FastifyPluginAsync<{ core: CrmCore }> = async (app, { core }) => {
  const f = app.withTypeProvider<ZodTypeProvider>();

  f.get('/approvals', {
    schema: {
      tags: ['approvals'],
      summary: 'Approval requests, newest first (default: pending)',
      querystring: z
        .object({
          status: z.enum(['pending', 'decided', 'approved', 'rejected', 'expired', 'all']).optional(),
          kind: ApprovalKind.optional(),
          limit: z.coerce.number().int('must be an integer').min(1, 'must be at least 1').max(100, 'must be at most 100').default(20),
          beforeCreatedAt: z.iso.datetime({ offset: true }).optional(),
          beforeId: z.uuid().optional(),
        })
        .strict()
        .refine((q) => !q.beforeCreatedAt === !q.beforeId, { path: ['beforeId'], message: 'beforeCreatedAt and beforeId go together' }),
      response: withErrors({ 200: ApprovalPage }),
    },
    handler: async (req) => {
      const { limit, beforeCreatedAt, beforeId, ...filter } = req.query;
      const rows = await core.approvals.list(actorOf(req), {
        ...filter,
        limit: limit + 1,
        ...(beforeCreatedAt && beforeId ? { before: { createdAt: beforeCreatedAt, id: beforeId } } : {}),
      });
      const data = rows.slice(0, limit);
      const last = data[data.length - 1];
      return { data, next: rows.length > limit && last ? { beforeCreatedAt: last.createdAt.toISOString(), beforeId: last.id } : null };
    },
  });

  f.get('/approvals/:id', {
    schema: { tags: ['approvals'], summary: 'One approval request, with its decision and the result of running it', params: IdParams, response: withErrors({ 200: Approval }) },
    handler: (req) => core.approvals.get(actorOf(req), req.params.id),
  });

  f.post('/approvals/:id/decision', {
    schema: {
      tags: ['approvals'],
      summary: 'Approve (runs the action once) or reject (a reason is required); a second decision is a CONFLICT',
      params: IdParams,
      body: DecideApprovalInput,
      response: withErrors({ 200: Approval }),
    },
    handler: (req) => core.approvals.decide(actorOf(req), req.params.id, req.body),
  });
};
