import { CreateWorkflowInput, DryRunResult, ExecutionPageQuery, ManualRunInput, TriggerType, Workflow, WorkflowDefinition, WorkflowExecution, type CrmCore } from '@crm/core';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { actorOf, IdParams, PageQuery, pageOf, paginate, withErrors } from './api-schemas.ts';
import type { ZodTypeProvider } from './zod-route.ts';

const WorkflowOut = Workflow;
const ExecutionOut = WorkflowExecution;
/** One saved version: the definition as written, with its number and when it was saved. */
const WorkflowVersionOut = WorkflowDefinition.extend({ version: z.number().int().min(1), createdAt: z.date() });
const ActivationOut = Workflow.extend({
  activation: z.object({
    status: z.enum(['active', 'pending_approval']),
    approvalId: z.uuid().nullable(),
    version: z.number().int(),
    expiresAt: z.date().nullable(),
  }),
});
const LIST_CAP = 200;
const DryRunOptions = { days: z.number().int().min(1).max(365).default(30), limit: z.number().int().min(1).max(500).default(50) };
const EXECUTIONS_PAGING = 'totalCount is exact up to 10,000 executions (then totalCountExact is false); page ≤ 500 (narrow the filters for older runs).';

/** Workflows (versions, activation, dry runs, manual runs), templates and executions. */
export const workflowRoutes: FastifyPluginAsync<{ core: CrmCore }> = async (app, { core }) => {
  const f = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['workflows'];

  f.get('/workflows', {
    schema: {
      tags,
      summary: 'List workflows',
      querystring: z.object({ active: z.enum(['true', 'false']).optional(), tag: z.string().max(50).optional(), ...PageQuery }).strict(),
      response: withErrors({ 200: pageOf(WorkflowOut) }),
    },
    handler: async (req) => {
      const { page, limit, active, tag } = req.query;
      const items = await core.workflows.list(actorOf(req), { ...(active ? { active: active === 'true' } : {}), ...(tag ? { tag } : {}), limit: LIST_CAP });
      return paginate(items, page, limit, items.length >= LIST_CAP);
    },
  });

  f.post('/workflows', {
    schema: { tags, summary: 'Create a workflow (validated; inactive unless isActive); a WEBHOOK workflow\'s signing secret is in webhookSecret, once', body: CreateWorkflowInput, response: withErrors({ 201: WorkflowOut }) },
    handler: async (req, reply) => {
      const wf = await core.workflows.create(actorOf(req), req.body);
      if (wf.webhookSecret) reply.header('cache-control', 'no-store');
      return reply.status(201).header('location', `/api/v1/workflows/${wf.id}`).send(wf);
    },
  });

  f.get('/workflows/templates', {
    schema: {
      tags,
      summary: 'Workflow templates',
      response: withErrors({ 200: z.object({ data: z.array(z.object({ key: z.string(), name: z.string(), description: z.string(), triggerType: TriggerType })) }) }),
    },
    handler: (req) => {
      actorOf(req);
      return { data: core.workflows.listTemplates() };
    },
  });

  f.post('/workflows/templates/:key/install', {
    schema: {
      tags,
      summary: 'Install a template as a new (inactive) workflow',
      params: z.object({ key: z.string().min(1).max(100) }).strict(),
      body: z.object({ variables: z.record(z.string(), z.unknown()).optional(), ownerId: z.uuid().optional() }).strict().optional(),
      response: withErrors({ 201: WorkflowOut }),
    },
    handler: async (req, reply) => {
      const wf = await core.workflows.installTemplate(actorOf(req), req.params.key, req.body ?? {});
      return reply.status(201).header('location', `/api/v1/workflows/${wf.id}`).send(wf);
    },
  });

  f.post('/workflows/dry-run', {
    schema: { tags, summary: 'Dry-run a draft definition against past events (executes nothing)', body: z.object({ definition: WorkflowDefinition, ...DryRunOptions }).strict(), response: withErrors({ 200: DryRunResult }) },
    handler: (req) => core.workflows.dryRun(actorOf(req), req.body),
  });

  f.get('/workflows/:id', {
    schema: { tags, summary: 'Get a workflow (current version)', params: IdParams, response: withErrors({ 200: WorkflowOut }) },
    handler: (req) => core.workflows.get(actorOf(req), req.params.id),
  });

  f.put('/workflows/:id', {
    schema: { tags, summary: 'Replace the definition (creates a new version; running executions finish on theirs)', params: IdParams, body: WorkflowDefinition, response: withErrors({ 200: WorkflowOut }) },
    handler: (req) => core.workflows.update(actorOf(req), req.params.id, req.body),
  });

  f.get('/workflows/:id/versions/:version', {
    schema: {
      tags,
      summary: 'One version of a workflow definition',
      params: z.object({ id: z.uuid('must be a workflow id (UUID)'), version: z.coerce.number().int().min(1) }).strict(),
      response: withErrors({ 200: WorkflowVersionOut }),
    },
    handler: (req) => core.workflows.getVersion(actorOf(req), req.params.id, req.params.version),
  });

  f.post('/workflows/:id/activate', {
    schema: {
      tags,
      summary: 'Activate a workflow: 200 when it is active; 202 when the tenant requires approval and a workflow_activation approval was filed (it stays inactive)',
      params: IdParams,
      response: withErrors({ 200: ActivationOut, 202: ActivationOut }),
    },
    handler: async (req, reply) => {
      const r = await core.workflows.activate(actorOf(req), req.params.id);
      if (r.status === 'active') return reply.status(200).send({ ...r.workflow, activation: { status: r.status, approvalId: null, version: r.workflow.version, expiresAt: null } });
      return reply
        .status(202)
        .header('location', `/api/v1/approvals/${r.approval.id}`)
        .send({ ...r.workflow, activation: { status: r.status, approvalId: r.approval.id, version: r.workflow.version, expiresAt: r.approval.expiresAt } });
    },
  });

  f.post('/workflows/:id/deactivate', {
    schema: { tags, summary: 'Deactivate a workflow (running executions finish)', params: IdParams, response: withErrors({ 200: WorkflowOut }) },
    handler: (req) => core.workflows.deactivate(actorOf(req), req.params.id),
  });

  f.post('/workflows/:id/webhook-secret', {
    schema: {
      tags,
      summary: 'Rotate the inbound webhook signing secret of a WEBHOOK workflow (returned once; the old one stops verifying at once)',
      params: IdParams,
      response: withErrors({ 200: z.object({ workflowId: z.uuid(), webhookSecret: z.string(), rotatedAt: z.date() }) }),
    },
    handler: async (req, reply) => reply.header('cache-control', 'no-store').send(await core.workflows.rotateWebhookSecret(actorOf(req), req.params.id)),
  });

  f.post('/workflows/:id/dry-run', {
    schema: { tags, summary: 'Replay past events through a saved workflow (executes nothing)', params: IdParams, body: z.object(DryRunOptions).strict().optional(), response: withErrors({ 200: DryRunResult }) },
    handler: (req) => core.workflows.dryRun(actorOf(req), { id: req.params.id, ...(req.body ?? {}) }),
  });

  f.post('/workflows/:id/execute', {
    schema: {
      tags,
      summary: 'Start an execution now (MANUAL run); the worker runs it',
      params: IdParams,
      body: ManualRunInput.optional(),
      response: withErrors({ 202: ExecutionOut }),
    },
    handler: async (req, reply) => {
      const execution = await core.workflows.execute(actorOf(req), req.params.id, req.body ?? {});
      return reply.status(202).header('location', `/api/v1/executions/${execution.id}`).send(execution);
    },
  });

  f.get('/workflows/:id/executions', {
    schema: {
      tags,
      summary: 'Executions of a workflow, newest first',
      description: EXECUTIONS_PAGING,
      params: IdParams,
      querystring: ExecutionPageQuery.omit({ workflowId: true }),
      response: withErrors({ 200: pageOf(ExecutionOut) }),
    },
    handler: async (req) => {
      const actor = actorOf(req);
      await core.workflows.get(actor, req.params.id); // 404 for an unknown (or another tenant's) workflow
      return core.workflows.pageExecutions(actor, { ...req.query, workflowId: req.params.id });
    },
  });

  f.get('/executions', {
    schema: { tags: ['executions'], summary: 'Workflow executions, newest first', description: EXECUTIONS_PAGING, querystring: ExecutionPageQuery, response: withErrors({ 200: pageOf(ExecutionOut) }) },
    handler: (req) => core.workflows.pageExecutions(actorOf(req), req.query),
  });

  f.get('/executions/:id', {
    schema: { tags: ['executions'], summary: 'An execution with its step attempts', params: IdParams, response: withErrors({ 200: ExecutionOut }) },
    handler: (req) => core.workflows.getExecution(actorOf(req), req.params.id),
  });

  f.post('/executions/:id/cancel', {
    schema: {
      tags: ['executions'],
      summary: 'Cancel a pending, running or waiting execution (audited); 409 when it has already ended',
      params: z.object({ id: z.uuid('must be an execution id (UUID)') }).strict(),
      body: z.object({ reason: z.string().optional().describe('kept as the execution\'s error: "cancelled: <reason>"') }).strict().optional(),
      response: withErrors({ 200: ExecutionOut }),
    },
    handler: (req) => core.workflows.cancelExecution(actorOf(req), req.params.id, req.body?.reason),
  });

  f.post('/executions/:id/steps/:stepId/complete', {
    schema: {
      tags: ['executions'],
      summary: 'Complete a failed step by hand (audited); the execution continues with the next step',
      params: z.object({ id: z.uuid('must be an execution id (UUID)'), stepId: z.string().min(1) }).strict(),
      body: z.object({ output: z.record(z.string(), z.unknown()).optional() }).strict().optional(),
      response: withErrors({ 200: ExecutionOut }),
    },
    handler: (req) => core.workflows.completeStep(actorOf(req), req.params.id, req.params.stepId, req.body?.output),
  });
};
