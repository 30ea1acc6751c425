import { randomUUID } from 'node:crypto';
import type { Assistant } from '@crm/agents';
import type { FastifyPluginAsync } from 'fastify';
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

/**
 * The sales assistant over REST (the same one as `crm chat` and /ws chat): one turn per request,
 * answered when done (use /ws for streamed tokens). Threads belong to the calling user; another
 * user's thread id names a different, empty thread. The assistant's tools run as the caller.
 */
export const chatRoutes: FastifyPluginAsync<{ assistantFor: () => Assistant }> = async (app, { assistantFor }) => {
  const f = app.withTypeProvider<ZodTypeProvider>();

  f.post('/chat', {
    schema: {
      tags: ['chat'],
      summary: 'Ask the sales assistant (one turn; answer with citations, tool calls, pending approvals)',
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
    handler: async (req) => {
      const threadId = req.body.threadId ?? randomUUID();
      return assistantFor().chat(actorOf(req), { threadId, message: req.body.message, ...(req.body.contactId ? { contactId: req.body.contactId } : {}) });
    },
  });

  f.post('/chat/:threadId/decisions', {
    schema: {
      tags: ['chat'],
      summary: 'Approve or reject the calls a turn paused on; the turn then continues',
      params: z.object({ threadId: ThreadId }).strict(),
      body: z
        .object({ decisions: z.record(z.string().min(1).max(200), z.enum(['approve', 'reject'])).refine((d) => Object.keys(d).length > 0, 'at least one decision is required') })
        .strict(),
      response: withErrors({ 200: TurnOut }),
    },
    handler: async (req) => assistantFor().decide(actorOf(req), { threadId: req.params.threadId, decisions: req.body.decisions }),
  });
};
