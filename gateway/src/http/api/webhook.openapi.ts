import { SIGNATURE_HEADER, TIMESTAMP_HEADER, WEBHOOK_TOLERANCE_SECONDS } from '@crm/core';
import { z } from 'zod';
import { ErrorEnvelopeSchema } from './api-schemas.ts';
import { toJsonSchema } from './zod-route.ts';

const Accepted = z.object({
  data: z.object({
    executionId: z.uuid().nullable().describe('the queued execution; null when the trigger conditions did not match'),
    started: z.boolean(),
    reason: z.string().optional().describe('why nothing was started (present only when started is false)'),
  }),
});

const error = (description: string, components: Record<string, unknown>) => ({
  description,
  content: { 'application/json': { schema: toJsonSchema(ErrorEnvelopeSchema, 'output', components) } },
});

/**
 * The inbound webhook route (gateway/src/http/webhooks.routes.ts) lives outside the REST plugin,
 * because it keeps the raw body for its signature; its operation is added to the OpenAPI document here.
 */
export function webhookOpenApi(doc: Record<string, unknown>, prefix: string): Record<string, unknown> {
  const paths = (doc.paths ?? {}) as Record<string, Record<string, unknown>>;
  const components = (((doc.components ??= {}) as { schemas?: Record<string, unknown> }).schemas ??= {});
  paths[`${prefix}/workflows/{id}/webhook`] = {
    ...paths[`${prefix}/workflows/{id}/webhook`],
    post: {
      tags: ['triggers'],
      summary: 'Inbound webhook: start a WEBHOOK workflow (signed, no API key)',
      description:
        `Sign the request with the webhook secret: \`${SIGNATURE_HEADER}: v1=<hex HMAC-SHA256 of "<timestamp>.<raw body>">\` and ` +
        `\`${TIMESTAMP_HEADER}: <unix seconds>\` (at most ${WEBHOOK_TOLERANCE_SECONDS} s old; a replayed signature is refused). ` +
        'The JSON body becomes the execution input (and `event`) the trigger conditions and step templates read as `input.*` (`{{input.email}}`); ' +
        'a body that is not an object (an array, string, number, boolean or null) is `{ "value": <body> }`, so `input.value` is the body and `input.value.0.email` the first element\'s email. ' +
        'A `contactId` in an object body binds the execution to that contact; without one, a string `email` binds it to the contact with that address, if any. ' +
        'A workflow with a CREATE_TASK, UPDATE_CONTACT or ASSIGN_USER step refuses a body that gives no contact (400 naming body.contactId or body.email). ' +
        'The workflow must be active with trigger type WEBHOOK.',
      security: [],
      parameters: [
        { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' }, description: 'workflow id' },
        { name: TIMESTAMP_HEADER, in: 'header', required: true, schema: { type: 'string' }, description: 'unix time in seconds' },
        { name: SIGNATURE_HEADER, in: 'header', required: true, schema: { type: 'string' }, description: 'v1=<hex HMAC-SHA256>' },
      ],
      requestBody: {
        required: false,
        content: { 'application/json': { schema: { description: 'Any JSON value: an object is the input as it is, anything else is { "value": <body> }' } } },
      },
      responses: {
        202: { description: 'Accepted (queued, or not started when the conditions did not match)', content: { 'application/json': { schema: toJsonSchema(Accepted, 'output') } } },
        '4XX': error('Bad signature or timestamp (401), inbound webhooks disabled (403), no such active WEBHOOK workflow or contact (404), body not JSON or no contact for a contact step (400)', components),
        '5XX': error('Server error', components),
      },
    },
  };
  return { ...doc, paths };
}
