import { createWorkflowTriggers, SIGNATURE_HEADER, TIMESTAMP_HEADER, type CrmCore } from '@crm/core';
import type { FastifyPluginAsync } from 'fastify';

/**
 * Inbound webhooks that start WEBHOOK workflows: POST /api/v1/workflows/:id/webhook with the
 * headers x-crm-timestamp and x-crm-signature (v1= HMAC-SHA256 of "<timestamp>.<raw body>").
 * The raw body is kept as text for the signature; replays within the window are refused.
 */
export const webhookRoutes: FastifyPluginAsync<{ core: CrmCore; secret?: string }> = async (fastify, { core, secret }) => {
  const triggers = createWorkflowTriggers(core.db, core.logger, { secrets: core.webhookSecrets });
  fastify.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 256 * 1024 }, (_req, body, done) => done(null, body));
  fastify.post<{ Params: { id: string }; Body: string }>('/api/v1/workflows/:id/webhook', async (req, reply) => {
    const executionId = await triggers.handleWebhook(req.params.id, {
      secret,
      timestamp: req.headers[TIMESTAMP_HEADER] as string | undefined,
      signature: req.headers[SIGNATURE_HEADER] as string | undefined,
      body: typeof req.body === 'string' ? req.body : '',
    });
    // a sender whose call started nothing learns why (it read only started: false)
    const why = executionId === null ? { reason: 'the trigger conditions of the workflow did not match the body; nothing was started' } : {};
    return reply.status(202).send({ data: { executionId, started: executionId !== null, ...why } });
  });
};
