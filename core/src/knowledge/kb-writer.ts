import type { EntityManager } from '@mikro-orm/postgresql';
import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import { type ChunkDraft, draftSearchText, insertChunks, vectorItems } from './kb-chunk.repository.ts';
import { embedInBatches, lockTenantKb, type TenantEmbedders } from './tenant-embedder.ts';
import type { VectorStore } from './vector-store.ts';

export interface WriteHooks<T> {
  /**
   * Runs first inside the write transaction, under the tenant's knowledge lock: remove what the
   * new chunks replace, write the parent row. Returns ids of replaced chunks (for a remote vector
   * store) and a value handed back to the caller; `{ skip: true }` aborts the write (nothing to do).
   */
  prepare(em: EntityManager): Promise<{ replacedIds: string[]; value: T } | { skip: true; value: T }>;
  /** Runs last inside the transaction (audit, events). */
  finish?(em: EntityManager): Promise<void>;
}

/**
 * The one write path of the knowledge base: embed outside the transaction, then chunks, vectors
 * (pgvector: same transaction) and the caller's rows in one transaction, so a failure leaves the
 * previous version intact. A remote vector store is written before the commit and cleaned after
 * it; the database re-checks every id it returns, so an orphan vector is never shown.
 */
export function createKbWriter(deps: {
  db: Database;
  store: VectorStore;
  embedders: TenantEmbedders;
  logger: Logger;
  vectorUnavailable(): Promise<string | null>;
}) {
  const { db, store, embedders, logger } = deps;
  const remote = store.name !== 'pgvector';

  /**
   * `embed: false` writes chunks without vectors and `reindex: false` skips the refit check: a bulk
   * backfill that will refit at the end anyway does both, instead of embedding everything twice.
   */
  async function write<T>(
    tenantId: string,
    drafts: readonly ChunkDraft[],
    hooks: WriteHooks<T>,
    options: { embed?: boolean; reindex?: boolean; onStep?: (step: 'embed' | 'store') => void | Promise<void> } = {},
  ): Promise<{ value: T; skipped: boolean }> {
    // asked before the transaction: the first answer comes from the database on a connection of its
    // own, which on PGlite (one transaction at a time) would wait forever inside ours
    const vectorsOff = await deps.vectorUnavailable();
    const usable = options.embed !== false && !vectorsOff;
    const texts = drafts.map(draftSearchText);
    let embedded: { generation: number; model: string; vectors: number[][] } | undefined;
    if (usable && drafts.length) {
      await options.onStep?.('embed');
      const emb = await embedders.current(tenantId);
      try {
        if (emb.ready) embedded = { generation: emb.generation, model: emb.model, vectors: await embedInBatches(emb.embedder, texts) };
      } catch (err) {
        // The embeddings service being down must not block ingestion: store the chunks (full-text
        // search works at once) and mark the tenant for re-embedding on the next write or refresh.
        logger.warn({ err, tenantId }, 'embedding failed; chunks stored without vectors for now');
      }
    }
    if (embedded && remote) await store.upsert(tenantId, embedded.model, vectorItems(drafts, embedded.vectors));

    let replacedIds: string[] = [];
    // announced before the transaction: nothing is awaited on another connection while it is open
    await options.onStep?.('store');
    const result = await db.withTenant(tenantId, async (em) => {
      await lockTenantKb(em, tenantId);
      const prepared = await hooks.prepare(em);
      if ('skip' in prepared) return { value: prepared.value, skipped: true };
      replacedIds = prepared.replacedIds;
      await insertChunks(em, tenantId, drafts);
      if (usable && drafts.length && embedders.fittable) {
        // A refit may have committed since we embedded: vectors of an old generation would be invisible.
        const now = await embedders.current(tenantId, em);
        if (!now.ready) embedded = undefined;
        else if (!embedded || now.generation !== embedded.generation) {
          embedded = { generation: now.generation, model: now.model, vectors: await now.embedder.embedDocuments(texts) };
          if (remote) await store.upsert(tenantId, embedded.model, vectorItems(drafts, embedded.vectors));
        }
      }
      if (embedded && !remote) await store.upsert(tenantId, embedded.model, vectorItems(drafts, embedded.vectors), { em });
      if (drafts.length && !vectorsOff) await embedders.markWritten(em, tenantId, embedded?.model ?? null);
      await hooks.finish?.(em);
      return { value: prepared.value, skipped: false };
    });
    db.events.emit('outbox');
    if (result.skipped) return result;
    if (remote && replacedIds.length) {
      await store.delete(tenantId, { ids: replacedIds }).catch((err) => logger.warn({ err, tenantId }, 'could not delete replaced vectors; they are ignored'));
    }
    if (options.reindex !== false && !(await deps.vectorUnavailable())) {
      await embedders.maybeReindex(tenantId).catch((err) => logger.warn({ err, tenantId }, 're-embedding failed; will retry on the next write'));
    }
    return result;
  }

  /** Delete chunks (the caller's `remove` runs in the transaction and returns the deleted chunk ids). */
  async function remove(tenantId: string, fn: (em: EntityManager) => Promise<string[]>): Promise<string[]> {
    const ids = await db.withTenant(tenantId, async (em) => {
      await lockTenantKb(em, tenantId);
      return fn(em);
    });
    db.events.emit('outbox');
    if (remote && ids.length) await store.delete(tenantId, { ids }).catch((err) => logger.warn({ err, tenantId }, 'could not delete vectors; they are ignored'));
    return ids;
  }

  return { write, remove };
}

export type KbWriter = ReturnType<typeof createKbWriter>;
