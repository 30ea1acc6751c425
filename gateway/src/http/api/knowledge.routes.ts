import { AppError, KbDocument, KnowledgeSearchResponse, ListDocumentsQuery, SearchKnowledgeInput, type CrmCore } from '@crm/core';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { actorOf, IdParams, PageQuery, pageOf, withErrors } from './api-schemas.ts';
import type { ZodTypeProvider } from './zod-route.ts';

/** A document as JSON: text in `content`, or any supported file (PDF, HTML…) base64-encoded in `contentBase64`. */
export const AddDocumentBody = z
  .object({
    filename: z.string().trim().min(1, 'filename is required').max(512),
    content: z.string().max(5_000_000).optional().describe('The document text (Markdown, plain text, HTML)'),
    contentBase64: z.base64('must be base64').max(7_000_000).optional().describe('Or the file bytes, base64-encoded (e.g. a PDF)'),
    mimeType: z.string().trim().max(255).optional(),
    source: z.string().trim().min(1).max(512).optional().describe('Identity for re-adding (default: filename)'),
  })
  .strict()
  .refine((v) => (v.content === undefined) !== (v.contentBase64 === undefined), { message: 'give either content or contentBase64', path: ['content'] });

const DocumentOut = KbDocument;

/** What adding a document did: `unchanged` when the same source came with the same content. */
const AddDocumentOut = z.object({
  document: DocumentOut,
  status: z.enum(['created', 'updated', 'unchanged']),
  chunks: z.number().int().min(0),
});

/** The knowledge base: documents (add, list, get, delete) and hybrid search. */
export const knowledgeRoutes: FastifyPluginAsync<{ core: CrmCore }> = async (app, { core }) => {
  const f = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['knowledge'];

  f.post('/knowledge/documents', {
    schema: { tags, summary: 'Add a document (same source + same content is a no-op)', body: AddDocumentBody, response: withErrors({ 201: AddDocumentOut, 200: AddDocumentOut }) },
    handler: async (req, reply) => {
      const { content, contentBase64, ...rest } = req.body;
      const bytes = content !== undefined ? new TextEncoder().encode(content) : new Uint8Array(Buffer.from(contentBase64!, 'base64'));
      const result = await core.knowledge.addDocument(actorOf(req), { ...rest, bytes }).catch((err: unknown) => {
        throw AppError.renamingIssue(err, 'bytes', content !== undefined ? 'content' : 'contentBase64');
      });
      const created = result.status === 'created';
      if (created) void reply.header('location', `/api/v1/knowledge/documents/${result.document.id}`);
      return reply.status(created ? 201 : 200).send(result);
    },
  });

  f.get('/knowledge/documents', {
    schema: { tags, summary: 'List documents', querystring: z.object({ type: ListDocumentsQuery.shape.type, ...PageQuery }).strict(), response: withErrors({ 200: pageOf(DocumentOut) }) },
    handler: async (req) => {
      const { page, limit, type } = req.query;
      const { documents, total } = await core.knowledge.listDocuments(actorOf(req), { type, limit, offset: (page - 1) * limit });
      const totalPages = Math.max(1, Math.ceil(total / limit));
      return { data: documents, pagination: { page, limit, totalPages, hasNextPage: page < totalPages, hasPreviousPage: page > 1 }, totalCount: total, totalCountExact: true };
    },
  });

  f.get('/knowledge/documents/:id', {
    schema: { tags, summary: 'A document with its text', params: IdParams, response: withErrors({ 200: DocumentOut.extend({ text: z.string() }) }) },
    handler: (req) => core.knowledge.getDocument(actorOf(req), req.params.id),
  });

  f.delete('/knowledge/documents/:id', {
    schema: { tags, summary: 'Delete a document and its chunks', params: IdParams, response: withErrors({ 204: z.null() }) },
    handler: async (req, reply) => {
      await core.knowledge.deleteDocument(actorOf(req), req.params.id);
      return reply.status(204).send();
    },
  });

  f.post('/knowledge/search', {
    schema: { tags, summary: 'Hybrid (full-text + vector) search with citations', body: SearchKnowledgeInput, response: withErrors({ 200: KnowledgeSearchResponse }) },
    handler: (req) => core.knowledge.search(actorOf(req), req.body),
  });

  // GET for links and quick use: the same search with ?query=…
  f.get('/knowledge/search', {
    schema: {
      tags,
      summary: 'Hybrid search (query string form)',
      querystring: z.object({ query: z.string().trim().min(1, 'query is required').max(1000), k: z.coerce.number().int().min(1).max(50).default(5), mode: SearchKnowledgeInput.shape.mode, contactId: z.uuid().optional() }).strict(),
      response: withErrors({ 200: KnowledgeSearchResponse }),
    },
    handler: (req) => core.knowledge.search(actorOf(req), req.query),
  });
};
