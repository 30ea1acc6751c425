import { z } from 'zod';
import { isoDate } from '../errors/safe-input.schema.ts';
import { DocumentType } from './knowledge.schema.ts';

/** Input of `knowledge.addDocument` (and the MCP `add_document` tool, with `bytes` decoded from base64 or text). */
export const AddDocumentInput = z
  .object({
    filename: z.string().trim().min(1, 'filename is required').max(512, 'must be at most 512 characters'),
    bytes: z.custom<Uint8Array>((value) => value instanceof Uint8Array, { message: 'bytes must be a Uint8Array' }),
    mimeType: z.string().trim().max(255).optional(),
    /**
     * Identity for re-ingestion (default: `filename`). Adding the same source again replaces the
     * document when its content changed and is a no-op when it did not.
     */
    source: z.string().trim().min(1).max(512).optional(),
  })
  .strict();
export type AddDocumentInput = z.input<typeof AddDocumentInput>;

export const SEARCH_MODES = ['hybrid', 'fulltext', 'vector'] as const;
export const SearchMode = z.enum(SEARCH_MODES);
export type SearchMode = z.infer<typeof SearchMode>;

export const ChunkKind = z.enum(['document', 'interaction']);

export const SearchKnowledgeInput = z
  .object({
    query: z.string().trim().min(1, 'query is required').max(1000, 'must be at most 1,000 characters'),
    k: z.coerce.number().int().min(1).max(50).default(5),
    /** Only interaction chunks of this contact (documents are not about one contact). */
    contactId: z.uuid('must be a contact id (UUID)').optional(),
    types: z.array(ChunkKind).min(1).optional(),
    /** Chunks dated at or after (interactions: when they happened; documents: when ingested). */
    after: isoDate().optional(),
    /** Chunks dated before this (a date alone: before that day starts in the tenant's zone). */
    before: isoDate().optional(),
    mode: SearchMode.default('hybrid'),
  })
  .strict();
export type SearchKnowledgeInput = z.input<typeof SearchKnowledgeInput>;

export const KnowledgeSearchResult = z.object({
  /** The chunk id. */
  id: z.uuid(),
  kind: ChunkKind,
  documentId: z.uuid().nullable(),
  interactionId: z.uuid().nullable(),
  contactId: z.uuid().nullable(),
  /** Document title, or e.g. "Phone call with Riley Chen (Northbridge Realty)". */
  title: z.string(),
  /** Heading path of the passage within its document (` > `-joined). */
  heading: z.string(),
  /** The matched passage, verbatim: quote it and cite `uri`. */
  passage: z.string(),
  /** Where the passage comes from: `crm://kb/{documentId}` or `crm://interactions/{interactionId}`. */
  uri: z.string(),
  source: z.string().nullable(),
  chunkIndex: z.number().int(),
  occurredAt: z.date(),
  /** RRF score (hybrid), ts_rank (fulltext) or cosine similarity (vector). */
  score: z.number(),
  /** 1-based rank in each retrieval list, null where absent. */
  ranks: z.object({ fulltext: z.number().int().nullable(), vector: z.number().int().nullable() }),
});
export type KnowledgeSearchResult = z.infer<typeof KnowledgeSearchResult>;

export const VectorSearchStatus = z.enum(['used', 'not_requested', 'unavailable']);

export const KnowledgeSearchResponse = z.object({
  query: z.string(),
  mode: SearchMode,
  results: z.array(KnowledgeSearchResult),
  /** `unavailable` when the database has no pgvector (or the vector store is down): full-text results only. */
  vectorSearch: VectorSearchStatus,
  warning: z.string().optional(),
  tookMs: z.number(),
});
export type KnowledgeSearchResponse = z.infer<typeof KnowledgeSearchResponse>;

export const KbDocument = z.object({
  id: z.uuid(),
  tenantId: z.uuid(),
  source: z.string(),
  title: z.string(),
  type: DocumentType,
  contentHash: z.string(),
  byteSize: z.number().int(),
  chunkCount: z.number().int(),
  metadata: z.record(z.string(), z.string()),
  createdBy: z.uuid().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
  /** `crm://kb/{id}`. */
  uri: z.string(),
});
export type KbDocument = z.infer<typeof KbDocument>;

export const AddDocumentResult = z.object({
  document: KbDocument,
  /** `unchanged`: same content hash as stored, nothing was written. */
  status: z.enum(['created', 'updated', 'unchanged']),
  chunks: z.number().int(),
});
export type AddDocumentResult = z.infer<typeof AddDocumentResult>;

export const ListDocumentsQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).default(100),
    offset: z.coerce.number().int().min(0).default(0),
    type: DocumentType.optional(),
  })
  .strict();
export type ListDocumentsQuery = z.input<typeof ListDocumentsQuery>;

export const kbDocumentUri = (id: string) => `crm://kb/${id}`;
export const interactionUri = (id: string) => `crm://interactions/${id}`;
