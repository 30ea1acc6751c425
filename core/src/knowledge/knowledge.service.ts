import { randomUUID } from 'node:crypto';
import { authorize, grantOf, mayWriteKnowledge } from '../auth/rbac.ts';
import { writeAudit } from '../audit/audit.service.ts';
import type { Database } from '../db/database.ts';
import { AppError } from '../errors/app-error.ts';
import { parseOrThrow } from '../errors/zod-issues.ts';
import type { Logger } from '../logger.ts';
import { placeForTenant } from '../tenants/tenant-settings.ts';
import type { Actor } from '../users/user.schema.ts';
import { CHUNKER_VERSION, chunkDocument } from './chunker.ts';
import { parseDocument } from './document-parser.ts';
import { hybridSearch, type RetrievalOptions } from './hybrid-retrieval.ts';
import { createInteractionIndexer } from './interaction-indexer.ts';
import { type ChunkDraft, DOCUMENT_COLUMNS, type DocumentRow, toKbDocument } from './kb-chunk.repository.ts';
import { createKbWriter } from './kb-writer.ts';
import {
  AddDocumentInput,
  type AddDocumentResult,
  type KbDocument,
  type KnowledgeSearchResponse,
  ListDocumentsQuery,
  SearchKnowledgeInput,
} from './knowledge-api.schema.ts';
import type { ChunkOptions, ParseOptions } from './knowledge.schema.ts';
import type { EmbeddingsProvider } from './local-embedder.ts';
import type { PgVectorFilter } from './pgvector.store.ts';
import { createPgVectorStore } from './pgvector.store.ts';
import { createTenantEmbedders } from './tenant-embedder.ts';
import type { VectorStore } from './vector-store.ts';

export interface BulkAddResult {
  filename: string;
  status: AddDocumentResult['status'] | 'failed';
  documentId?: string;
  chunks?: number;
  /** Why a file was rejected (VALIDATION_FAILED message). */
  error?: string;
}

export interface KnowledgeServiceDeps {
  db: Database;
  logger: Logger;
  /** Default: the offline local embedder, fitted per tenant. */
  embeddings?: EmbeddingsProvider;
  /** Default: pgvector in the CRM database. */
  vectorStore?: VectorStore;
  retrieval?: RetrievalOptions;
  chunk?: ChunkOptions;
  parse?: ParseOptions;
}

function authorizeKbWrite(actor: Actor): void {
  if (mayWriteKnowledge(actor)) return;
  throw AppError.denied('knowledge:write', `${actor.role} may read the knowledge base but not add or delete documents`);
}

/** Reading needs contacts:read (every role); interaction chunks follow interactions:read. */
function readScope(actor: Actor): PgVectorFilter {
  authorize(actor, 'contacts:read');
  const grant = grantOf(actor, 'interactions:read');
  if (grant === 'none') return { excludeInteractions: true };
  if (grant === 'own') return { ownerUserId: actor.userId };
  return {};
}

/** The steps of adding one document, in order (embed is skipped when vectors are off). */
export type IngestStep = 'parse' | 'chunk' | 'embed' | 'store';

export function createKnowledgeService(deps: KnowledgeServiceDeps) {
  const { db } = deps;
  const logger = deps.logger.child({ component: 'knowledge' });
  const store = deps.vectorStore ?? createPgVectorStore(db);
  const embedders = createTenantEmbedders({ db, store, logger, provider: deps.embeddings });
  let unavailable: Promise<string | null> | undefined;
  const vectorUnavailable = () => {
    unavailable ??= store.available().then((a) => {
      const reason = !a.ok
        ? a.reason
        : store.dimensions !== embedders.provider.dimensions
          ? `the ${store.name} store holds ${store.dimensions}-dimensional vectors but ${embedders.provider.id} makes ${embedders.provider.dimensions}`
          : null;
      if (reason) logger.warn(`Knowledge base vector search is unavailable: ${reason}. Retrieval uses full-text search only.`);
      return reason;
    });
    return unavailable;
  };
  const writer = createKbWriter({ db, store, embedders, logger, vectorUnavailable });
  const indexer = createInteractionIndexer({ db, writer, embedders, logger });

  async function findBySource(tenantId: string, source: string): Promise<DocumentRow | undefined> {
    const [row] = await db.withTenant(tenantId, (em) => em.execute<DocumentRow[]>(`SELECT ${DOCUMENT_COLUMNS} FROM kb_documents WHERE source = ?`, [source]));
    return row;
  }

  async function ingest(actor: Actor, raw: unknown, reindex: boolean, onStep?: (step: IngestStep) => void | Promise<void>): Promise<AddDocumentResult> {
    authorizeKbWrite(actor);
    const input = parseOrThrow(AddDocumentInput, raw);
    await onStep?.('parse');
    const parsed = await parseDocument({ filename: input.filename, bytes: input.bytes, mimeType: input.mimeType }, deps.parse);
    await onStep?.('chunk');
    const { contentHash, chunks } = chunkDocument(parsed, deps.chunk);
    if (!chunks.length) throw AppError.validation([{ path: 'bytes', reason: 'document has no text to index' }]);
    const source = input.source ?? input.filename;
    const known = await findBySource(actor.tenantId, source);
    if (known && known.content_hash === contentHash && known.chunker_version === CHUNKER_VERSION) {
      return { document: toKbDocument(known), status: 'unchanged', chunks: known.chunk_count };
    }
    const documentId = known?.id ?? randomUUID();
    const now = new Date();
    const drafts: ChunkDraft[] = chunks.map((c) => ({
      id: randomUUID(),
      kind: 'document',
      documentId,
      interactionId: null,
      contactId: null,
      chunkIndex: c.index,
      heading: c.context,
      text: c.text,
      contentHash: c.contentHash,
      wordCount: c.wordCount,
      occurredAt: now,
      metadata: { headingPath: c.headingPath, start: c.start, end: c.end },
    }));
    const { value } = await writer.write<{ row: DocumentRow; status: AddDocumentResult['status'] }>(actor.tenantId, drafts, {
      async prepare(em) {
        const [current] = await em.execute<DocumentRow[]>(`SELECT ${DOCUMENT_COLUMNS} FROM kb_documents WHERE source = ? FOR UPDATE`, [source]);
        if (current && current.content_hash === contentHash && current.chunker_version === CHUNKER_VERSION) {
          return { skip: true, value: { row: current, status: 'unchanged' } };
        }
        if (current && current.id !== documentId) throw new AppError('CONFLICT', `Document ${source} was replaced concurrently; try again`);
        const replaced = await em.execute<{ id: string }[]>('DELETE FROM kb_chunks WHERE document_id = ? RETURNING id', [documentId]);
        const [row] = await em.execute<DocumentRow[]>(
          `INSERT INTO kb_documents (id, tenant_id, source, title, type, content_hash, chunker_version, byte_size, chunk_count, text, metadata, created_by)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (tenant_id, source) DO UPDATE SET title = excluded.title, type = excluded.type, content_hash = excluded.content_hash,
             chunker_version = excluded.chunker_version, byte_size = excluded.byte_size, chunk_count = excluded.chunk_count,
             text = excluded.text, metadata = excluded.metadata, updated_at = now()
           RETURNING ${DOCUMENT_COLUMNS}`,
          [documentId, actor.tenantId, source, parsed.title, parsed.type, contentHash, CHUNKER_VERSION, input.bytes.length, drafts.length,
            parsed.text, JSON.stringify(parsed.metadata), actor.userId],
        );
        return { replacedIds: replaced.map((r) => r.id), value: { row, status: current ? 'updated' : 'created' } };
      },
      async finish(em) {
        await writeAudit(em, actor, known ? 'kb.document_updated' : 'kb.document_added', 'kb_document', documentId, {
          after: { source, title: parsed.title, type: parsed.type, contentHash, chunks: drafts.length },
        });
      },
    }, { reindex, onStep });
    return { document: toKbDocument(value.row), status: value.status, chunks: value.row.chunk_count };
  }

  return {
    /** Parse, chunk, embed and store a document; same source + same content ⇒ no-op, changed ⇒ chunks replaced atomically. */
    addDocument: (actor: Actor, raw: unknown, options: { onStep?: (step: IngestStep) => void | Promise<void> } = {}): Promise<AddDocumentResult> =>
      ingest(actor, raw, true, options.onStep),

    /**
     * Add many documents (a directory): each is atomic on its own and a bad file does not stop the
     * others; the local embedder is refitted once at the end instead of as the corpus grows.
     */
    async addDocuments(
      actor: Actor,
      inputs: readonly AddDocumentInput[],
      options: { onProgress?: (done: number, total: number) => void; reindex?: boolean; signal?: AbortSignal } = {},
    ): Promise<BulkAddResult[]> {
      authorizeKbWrite(actor);
      const results: BulkAddResult[] = [];
      for (const input of inputs) {
        // each document is its own transaction: the ones done so far stay, a later call skips them as unchanged
        options.signal?.throwIfAborted();
        try {
          const r = await ingest(actor, input, false);
          results.push({ filename: input.filename, status: r.status, documentId: r.document.id, chunks: r.chunks });
        } catch (err) {
          if (!(err instanceof AppError) || err.code !== 'VALIDATION_FAILED') throw err;
          results.push({ filename: input.filename, status: 'failed', error: err.message });
        }
        options.onProgress?.(results.length, inputs.length);
      }
      if (options.reindex !== false && results.some((r) => r.status === 'created' || r.status === 'updated')) {
        await embedders.maybeReindex(actor.tenantId);
      }
      return results;
    },

    /** Hybrid (default), full-text or vector search over what the actor may read. */
    async search(actor: Actor, raw: unknown): Promise<KnowledgeSearchResponse> {
      const scope = readScope(actor);
      const input = parseOrThrow(SearchKnowledgeInput, raw);
      const started = performance.now();
      // an offset-less bound, or a date alone (the start of that day), is read in the tenant's zone
      const { after, before } = await placeForTenant(db, actor.tenantId, { after: input.after, before: input.before });
      const filter: PgVectorFilter = { ...scope, kinds: input.types, contactId: input.contactId, after, before };
      const res = await hybridSearch(
        { db, store, embedders, logger, options: deps.retrieval, vectorUnavailable },
        { tenantId: actor.tenantId, query: input.query, k: input.k, mode: input.mode, filter },
      );
      return { ...res, tookMs: Math.round((performance.now() - started) * 10) / 10 };
    },

    /** A document with its full readable text (what `crm://kb/{id}` serves). */
    async getDocument(actor: Actor, id: string): Promise<KbDocument & { text: string }> {
      readScope(actor);
      if (!/^[0-9a-f-]{36}$/i.test(id)) throw AppError.notFound('Document', id);
      const [row] = await db.withTenant(actor.tenantId, (em) =>
        em.execute<(DocumentRow & { text: string })[]>(`SELECT ${DOCUMENT_COLUMNS}, text FROM kb_documents WHERE id = ?`, [id]),
      );
      if (!row) throw AppError.notFound('Document', id);
      return { ...toKbDocument(row), text: row.text };
    },

    async listDocuments(actor: Actor, raw: unknown = {}): Promise<{ documents: KbDocument[]; total: number }> {
      readScope(actor);
      const q = parseOrThrow(ListDocumentsQuery, raw);
      return db.withTenant(actor.tenantId, async (em) => {
        const typeSql = q.type ? ' WHERE type = ?' : '';
        const typeParams = q.type ? [q.type] : [];
        const rows = await em.execute<DocumentRow[]>(
          `SELECT ${DOCUMENT_COLUMNS} FROM kb_documents${typeSql} ORDER BY source LIMIT ? OFFSET ?`,
          [...typeParams, q.limit, q.offset],
        );
        const [{ n }] = await em.execute<{ n: string }[]>(`SELECT count(*) AS n FROM kb_documents${typeSql}`, typeParams);
        return { documents: rows.map(toKbDocument), total: Number(n) };
      });
    },

    /** What deleteDocument would refuse first, doing nothing (the approval queue asks before filing). */
    checks: {
      async deleteDocument(actor: Actor, id: string): Promise<void> {
        authorizeKbWrite(actor);
        const rows = /^[0-9a-f-]{36}$/i.test(id) ? await db.withTenant(actor.tenantId, (em) => em.execute<{ id: string }[]>('SELECT id FROM kb_documents WHERE id = ?', [id])) : [];
        if (!rows.length) throw AppError.notFound('Document', id);
      },
    },

    async deleteDocument(actor: Actor, id: string): Promise<{ deleted: true; chunks: number }> {
      authorizeKbWrite(actor);
      if (!/^[0-9a-f-]{36}$/i.test(id)) throw AppError.notFound('Document', id);
      let found = false;
      const ids = await writer.remove(actor.tenantId, async (em) => {
        const chunkIds = await em.execute<{ id: string }[]>('DELETE FROM kb_chunks WHERE document_id = ? RETURNING id', [id]);
        const [doc] = await em.execute<{ source: string }[]>('DELETE FROM kb_documents WHERE id = ? RETURNING source', [id]);
        found = !!doc;
        if (doc) await writeAudit(em, actor, 'kb.document_deleted', 'kb_document', id, { before: { source: doc.source } });
        return chunkIds.map((r) => r.id);
      });
      if (!found) throw AppError.notFound('Document', id);
      await embedders.maybeReindex(actor.tenantId);
      return { deleted: true, chunks: ids.length };
    },

    /** Re-embed the tenant's knowledge base (after changing the embeddings provider); ADMIN only. */
    async reindex(actor: Actor, options: { onProgress?: (done: number, total: number) => void } = {}): Promise<{ chunks: number; model: string }> {
      if (actor.role !== 'ADMIN') throw AppError.denied('knowledge:reindex', 'Only an ADMIN may re-embed the knowledge base');
      const reason = await vectorUnavailable();
      if (reason) throw new AppError('VALIDATION_FAILED', `Nothing to re-embed: vector search is unavailable (${reason})`);
      return embedders.reindex(actor.tenantId, options);
    },

    /**
     * Embed whatever is not embedded yet: re-embeds the tenant when chunks were written without
     * vectors (bulk loads) or the corpus outgrew the fitted embedder; a no-op otherwise. System use.
     */
    async refresh(tenantId: string, options: { onProgress?: (done: number, total: number) => void; signal?: AbortSignal } = {}): Promise<boolean> {
      return embedders.maybeReindex(tenantId, options);
    },
    /**
     * `refresh` every tenant, one after the other (at start, so that a changed embeddings provider
     * re-embeds each knowledge base once in the background; search meanwhile runs on full text).
     */
    async refreshAll(options: { signal?: AbortSignal } = {}): Promise<{ tenants: number; reembedded: number }> {
      const [rows] = await db.readAsWorker([{ sql: 'SELECT id FROM tenants ORDER BY created_at, id' }]);
      let reembedded = 0;
      for (const { id } of rows as { id: string }[]) {
        options.signal?.throwIfAborted();
        if (await embedders.maybeReindex(id, { signal: options.signal })) reembedded++;
      }
      return { tenants: rows.length, reembedded };
    },
    /** Index interactions that have no chunks yet (after a bulk load that emitted no events). System use. */
    backfillInteractions: indexer.backfill,
    /** (Re)index specific interactions. System use (the outbox subscriber calls it). */
    indexInteractions: indexer.indexInteractions,
    /** Subscribe the interaction indexer to the outbox. */
    subscribe: indexer.subscribe,
    /** `used` capability of this deployment, for health checks and the CLI. */
    async vectorSearchStatus(): Promise<{ available: boolean; store: string; reason?: string; model: string }> {
      const reason = await vectorUnavailable();
      return { available: !reason, store: store.name, model: embedders.baseModel, ...(reason ? { reason } : {}) };
    },
  };
}

export type KnowledgeService = ReturnType<typeof createKnowledgeService>;
