import { randomUUID } from 'node:crypto';
import type { OutgoingHttpHeaders } from 'node:http';
import type { Assistant, TurnHandlers } from '@crm/agents';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { errorEnvelope } from '../error-envelope.ts';
import { z } from 'zod';
import { actorOf, withErrors } from './api-schemas.ts';
import type { ZodTypeProvider } from './zod-route.ts';

const ThreadId = z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters').regex(/^[\w.:-]+$/, 'letters, digits, _ . : - only');

const TurnOut = z.object({
  threadId: z.string(),
  answer: z.string(),
  citations: z.array(z.string()).describe('crm:// URIs the answer cites (contacts, interactions, knowledge passages)'),
  toolCalls: z.array(z.object({ tool: z.string() }).passthrough()).describe('The MCP tools the assistant called, with their outcome'),
  steps: z.array(z.record(z.string(), z.unknown())).describe('Step events: agents, tool calls, research steps'),
  pendingApprovals: z
    .array(z.object({ callId: z.string(), tool: z.string() }).passthrough())
    .optional()
    .describe('Set when the turn paused for a human: decide with POST /chat/{threadId}/decisions (or the approval queue)'),
  offline: z.boolean().describe('true when the offline local planner answered'),
});

const STREAM_NOTE =
  'With `Accept: text/event-stream` the turn streams as server-sent events instead: `step` (agents, tool calls, research steps), `token` ({token}: the answer as it is written), then one `answer` (the JSON below), or one `error` (the error envelope) if the turn fails after it started. Input errors, and a turn refused before its first event, are answered as JSON with their status.';

const wantsStream = (req: FastifyRequest) => /\btext\/event-stream\b/i.test(req.headers.accept ?? '');

/**
 * Run one turn as server-sent events: step and token events while it runs, then its answer. The
 * stream starts with the turn's first event: a turn refused before that (nothing waiting for a
 * decision, a permission) is answered as a plain error response with its status; a failure after it
 * is one `error` event carrying the error envelope.
 */
async function streamTurn(req: FastifyRequest, reply: FastifyReply, run: (handlers: TurnHandlers) => Promise<unknown>): Promise<void> {
  const raw = reply.raw;
  let started = false;
  const send = (event: string, data: unknown) => {
    if (!started) {
      started = true;
      reply.hijack();
      // the headers the hooks set (request id, CORS, security) plus the stream's own
      raw.writeHead(200, { ...(reply.getHeaders() as OutgoingHttpHeaders), 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' });
    }
    if (!raw.destroyed && !raw.writableEnded) raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  try {
    send('answer', await run({ onToken: (token) => send('token', { token }), onEvent: (event) => send('step', event) }));
  } catch (err) {
    if (!started) throw err;
    const { status, body } = errorEnvelope(err as Error, req);
    if (status >= 500) req.log.error({ err }, 'chat stream failed');
    send('error', body);
  }
  raw.end();
}

/**
 * The sales assistant over REST (the same one as `crm chat` and /ws chat): one turn per request,
 * answered when done, or streamed as server-sent events with `Accept: text/event-stream`. Threads belong to the calling user; another
 * user's thread id names a different, empty thread. The assistant's tools run as the caller.
 */
export const chatRoutes: FastifyPluginAsync<{ assistantFor: () => Assistant }> = async (app, { assistantFor }) => {
  const f = app.withTypeProvider<ZodTypeProvider>();

  f.post('/chat', {
    schema: {
      tags: ['chat'],
      summary: 'Ask the sales assistant (one turn; answer with citations, tool calls, pending approvals)',
      description: STREAM_NOTE,
      body: z
        .object({
          message: z.string().trim().min(1, 'message is required').max(8000, 'must be at most 8000 characters'),
          threadId: ThreadId.optional(),
          contactId: z
            .uuid('must be a contact id (UUID)')
            .optional()
            .describe("Scope the turn's research to this contact: its record and interaction notes plus the knowledge base, cited as crm://contacts/{id} and crm://interactions/{id}; no other contact's notes"),
        })
        .strict(),
      response: withErrors({ 200: TurnOut }),
    },
    handler: async (req, reply) => {
      const actor = actorOf(req);
      const threadId = req.body.threadId ?? randomUUID();
      const input = { threadId, message: req.body.message, ...(req.body.contactId ? { contactId: req.body.contactId } : {}) };
      if (wantsStream(req)) return streamTurn(req, reply, (handlers) => assistantFor().chat(actor, input, handlers));
      return assistantFor().chat(actor, input);
    },
  });

  f.post('/chat/:threadId/decisions', {
    schema: {
      tags: ['chat'],
      summary: 'Approve or reject the calls a turn paused on; the turn then continues',
      description: STREAM_NOTE,
      params: z.object({ threadId: ThreadId }).strict(),
      body: z
        .object({ decisions: z.record(z.string().min(1).max(200), z.enum(['approve', 'reject'])).refine((d) => Object.keys(d).length > 0, 'at least one decision is required') })
        .strict(),
      response: withErrors({ 200: TurnOut }),
    },
    handler: async (req, reply) => {
      const actor = actorOf(req);
      const input = { threadId: req.params.threadId, decisions: req.body.decisions };
      if (wantsStream(req)) return streamTurn(req, reply, (handlers) => assistantFor().decide(actor, input, handlers));
      return assistantFor().decide(actor, input);
    },
  });
};
