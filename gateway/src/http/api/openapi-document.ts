/**
 * What @fastify/swagger cannot know from a route's schemas, added to the finished OpenAPI document.
 * Each was found by generating a typed client (openapi-typescript + openapi-fetch) from the
 * document (QA round 6): the server accepted what the client's types refused, or the reverse.
 */

/** Operation key `openApiTransform` sets on a route whose body may be left out (every field optional). */
export const OPTIONAL_BODY = 'x-crm-optional-body';

/** POST routes that read their body as a stream: the Idempotency-Key hook skips them (re-importing is idempotent). */
const NO_IDEMPOTENCY = new Set(['/contacts/import', '/interactions/import', '/workflows/{id}/webhook']);

/** Responses served in another type than JSON, by `<METHOD> <path>` and status. */
const OTHER_CONTENT: Record<string, Record<string, Record<string, { schema: Record<string, unknown> }>>> = {
  'POST /chat': { 200: { 'text/event-stream': { schema: { type: 'string', description: 'with Accept: text/event-stream: step, token, then answer (or error) events' } } } },
  'POST /chat/{threadId}/decisions': { 200: { 'text/event-stream': { schema: { type: 'string', description: 'with Accept: text/event-stream: step, token, then answer (or error) events' } } } },
  'POST /reports': {
    200: {
      'text/csv': { schema: { type: 'string', description: 'the report as CSV (?format=csv)' } },
      'text/html': { schema: { type: 'string', description: 'the report as an HTML page with its charts (?format=html)' } },
    },
  },
};

const IDEMPOTENCY_KEY = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
  description:
    'Makes the POST safe to retry: the first response (status, body, Location) is kept for 24 h and the same key with the same request replays it ' +
    '(header `Idempotent-Replayed: true`); the same key with another request is 422 IDEMPOTENCY_KEY_REUSED, one still running 409',
};

type Operation = { parameters?: { name: string; in: string }[]; requestBody?: { required?: boolean; content?: Record<string, unknown> }; responses?: Record<string, { content?: Record<string, unknown> }> } & Record<string, unknown>;

export function completeOpenApi(doc: Record<string, unknown>, prefix: string): Record<string, unknown> {
  const paths = (doc.paths ?? {}) as Record<string, Record<string, Operation>>;
  for (const [path, item] of Object.entries(paths)) {
    if (!path.startsWith(prefix)) continue;
    const local = path.slice(prefix.length);
    for (const [method, op] of Object.entries(item)) {
      if (!op || typeof op !== 'object' || !('responses' in op)) continue;
      // @fastify/swagger marks every body required ("Fastify requires a body"); ours does not when
      // every field is optional (zod-route.ts reads no body as {}), and a generated client then
      // demanded `body: {}` for POST /follow-ups/{id}/complete, /retrain, /insights, …
      if (op[OPTIONAL_BODY]) {
        if (op.requestBody) op.requestBody.required = false;
        delete op[OPTIONAL_BODY];
      }
      // the info text said "POST accepts Idempotency-Key", but no operation declared it, so a typed
      // client had no header parameter to set it through
      if (method === 'post' && !NO_IDEMPOTENCY.has(local) && !op.parameters?.some((p) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key')) {
        op.parameters = [...(op.parameters ?? []), IDEMPOTENCY_KEY];
      }
      for (const [status, content] of Object.entries(OTHER_CONTENT[`${method.toUpperCase()} ${local}`] ?? {})) {
        const response = op.responses?.[status];
        if (response) response.content = { ...response.content, ...content };
      }
    }
  }
  return { ...doc, paths };
}
