import { ListTriggersQuery, TriggerType, WorkflowTriggerInfo, type CrmCore } from '@crm/core';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { actorOf, PageQuery, pageOf, paginate, withErrors } from './api-schemas.ts';
import type { ZodTypeProvider } from './zod-route.ts';

const LIST_CAP = ListTriggersQuery.shape.limit.unwrap().maxValue ?? 500;

/** What starts each workflow: event triggers with their conditions, cron schedules with the next run, webhooks. */
export const triggerRoutes: FastifyPluginAsync<{ core: CrmCore }> = async (app, { core }) => {
  const f = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['triggers'];

  f.get('/triggers', {
    schema: {
      tags,
      summary: 'Triggers of the active workflows (type, conditions, schedule, next cron run, webhook path)',
      querystring: z
        .object({
          type: TriggerType.optional(),
          includeInactive: z.enum(['true', 'false'], 'must be true or false').optional().describe('Also the triggers of inactive workflows (they do not fire)'),
          ...PageQuery,
        })
        .strict(),
      response: withErrors({ 200: pageOf(WorkflowTriggerInfo) }),
    },
    handler: async (req) => {
      const { page, limit, type, includeInactive } = req.query;
      const items = await core.workflows.listTriggers(actorOf(req), { ...(type ? { type } : {}), includeInactive: includeInactive === 'true', limit: LIST_CAP });
      return paginate(items, page, limit, items.length >= LIST_CAP);
    },
  });

  f.get('/triggers/:workflowId', {
    schema: {
      tags,
      summary: "One workflow's trigger (active or not)",
      params: z.object({ workflowId: z.uuid('must be a workflow id (UUID)') }).strict(),
      response: withErrors({ 200: WorkflowTriggerInfo }),
    },
    handler: (req) => core.workflows.getTrigger(actorOf(req), req.params.workflowId),
  });
};
