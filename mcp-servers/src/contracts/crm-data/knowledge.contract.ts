import { SearchKnowledgeInput } from '@crm/core/contracts';
import { z } from 'zod';
import type { ToolContract } from '../../framework/tool.ts';
import { IsoDateInput, IsoDateTime } from './common.contract.ts';

const search = SearchKnowledgeInput.shape;

export const SearchKnowledge = {
  name: 'search_knowledge',
  input: z
    .object({
      query: search.query.describe('A question or keywords, in plain language'),
      k: z.number().int('must be an integer').min(1, 'must be at least 1').max(50, 'must be at most 50').default(5),
      contactId: search.contactId.describe('Only interaction notes of this contact'),
      types: search.types.describe('document = playbooks, pricing, case studies…; interaction = call notes and emails'),
      // a date as every other tool takes it (a model's "after: 2026-11-01" was refused for lacking a time)
      after: IsoDateInput.optional().describe('Only passages dated at or after this (interactions: when they happened; documents: when added), e.g. 2026-11-01'),
      before: IsoDateInput.optional().describe('Only passages dated before this, e.g. 2026-12-01 or 2026-12-01T09:00:00Z'),
      mode: search.mode,
    })
    .strict(),
  output: z.object({
    query: z.string(),
    mode: z.enum(['hybrid', 'fulltext', 'vector']),
    results: z.array(
      z.object({
        id: z.string(),
        kind: z.enum(['document', 'interaction']),
        documentId: z.string().nullable(),
        interactionId: z.string().nullable(),
        contactId: z.string().nullable(),
        title: z.string(),
        heading: z.string(),
        passage: z.string().describe('The matched passage, verbatim: quote it and cite uri'),
        uri: z.string(),
        source: z.string().nullable(),
        chunkIndex: z.number().int(),
        occurredAt: IsoDateTime,
        score: z.number(),
        ranks: z.object({ fulltext: z.number().int().nullable(), vector: z.number().int().nullable() }),
      }),
    ),
    vectorSearch: z.enum(['used', 'not_requested', 'unavailable']),
    warning: z.string().optional(),
    tookMs: z.number(),
  }),
} satisfies ToolContract;

/** Text documents through MCP; larger ones go through `crm kb add` or REST (see the refinement below). */
export const MAX_MCP_DOCUMENT_CHARS = 1_000_000;

export const AddDocument = {
  name: 'add_document',
  input: z
    .object({
      filename: z.string().trim().min(1, 'filename is required').max(512).describe('With its extension: .md, .txt, .html or .pdf'),
      content: z.string().min(1, 'content is required').max(20_000_000).describe('The document text (at most 1,000,000 characters; larger: npx crm kb add or REST), or base64 when encoding is base64 (PDF)'),
      encoding: z.enum(['text', 'base64']).default('text'),
      source: z.string().trim().min(1).max(512).optional().describe('Stable identity for re-ingestion; defaults to filename'),
    })
    .strict()
    // indexing takes ~30 s per million characters on the embedded database: a 1.9 MB handbook took 55 s,
    // and an MCP client gives up on a call after 60 s (the SDK's default) while the server keeps going
    .superRefine((v, ctx) => {
      if (v.encoding === 'text' && v.content.length > MAX_MCP_DOCUMENT_CHARS) {
        ctx.addIssue({
          code: 'custom',
          path: ['content'],
          message: `must be at most ${MAX_MCP_DOCUMENT_CHARS.toLocaleString('en-US')} characters through MCP (indexing more takes longer than a client waits for a call); add it with "npx crm kb add FILE" or REST POST /api/v1/knowledge/documents, or split it`,
        });
      }
    }),
  output: z.object({
    status: z.enum(['created', 'updated', 'unchanged']),
    chunks: z.number().int(),
    document: z.object({ id: z.string(), title: z.string(), type: z.string(), source: z.string(), uri: z.string(), chunkCount: z.number().int() }),
  }),
} satisfies ToolContract;

export const DeleteDocument = {
  name: 'delete_document',
  input: z.object({ id: z.uuid('must be a document id (UUID), e.g. from add_document or a search_knowledge result\'s documentId') }).strict(),
  output: z.object({ deleted: z.literal(true), id: z.string(), chunks: z.number().int().describe('Indexed passages removed with it') }),
} satisfies ToolContract;
