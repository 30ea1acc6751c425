import type { EntityManager } from '@mikro-orm/postgresql';
import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import { type ChunkDraft, draftSearchText, listChunkIds, loadAllChunkTexts, vectorItems } from './kb-chunk.repository.ts';
import { createLocalEmbedder, type EmbeddingsProvider, LOCAL_EMBEDDER_ID, type LocalEmbedder, LocalEmbedderState } from './local-embedder.ts';
import type { VectorStore } from './vector-store.ts';

export interface TenantEmbedding {
  embedder: EmbeddingsProvider;
  /** Stored with every vector; a query only compares vectors of the same model. */
  model: string;
  generation: number;
  /** False while a local embedder has not been fitted on this tenant's corpus (no vectors are written then). */
  ready: boolean;
}

interface StateRow {
  chunk_count: number;
  fitted_chunks: number;
  generation: number;
  model: string | null;
  has_state: boolean;
  pending_vectors: boolean;
}

/** Chunks per statement when the re-embedding reads the corpus (its texts and vectors' keys). */
const READ_PAGE = 2_000;

/** Serialises knowledge writes of one tenant (statistics, refits) without blocking other tenants. */
export async function lockTenantKb(em: EntityManager, tenantId: string): Promise<void> {
  await em.execute("SELECT pg_advisory_xact_lock(hashtext('crm_kb:' || ?))", [tenantId]);
}

/**
 * Embedders per tenant. The offline local embedder weighs features by IDF, so it is fitted on each
 * tenant's own corpus: the fitted state lives in kb_index_state, and when the corpus has grown or
 * shrunk by `growthFactor` since the last fit every chunk is re-embedded under a new generation
 * (geometric, so the amortised cost per chunk stays constant). Other providers are used as they
 * are; changing provider re-embeds the tenant once.
 */
export function createTenantEmbedders(deps: {
  db: Database;
  store: VectorStore;
  logger: Logger;
  provider?: EmbeddingsProvider;
  growthFactor?: number;
  /** Chunks per statement when a re-embedding reads the corpus (default READ_PAGE; tests lower it). */
  readPage?: number;
}) {
  const { db, store, logger } = deps;
  const provider = deps.provider ?? createLocalEmbedder();
  const fittable = provider.id === LOCAL_EMBEDDER_ID;
  const baseModel = `${provider.id}/${provider.dimensions}`;
  const growth = deps.growthFactor ?? 1.5;
  const readPage = deps.readPage ?? READ_PAGE;
  const cache = new Map<string, { generation: number; embedder: LocalEmbedder }>();

  const forTenant = (tenantId: string): EmbeddingsProvider => (provider as EmbeddingsProvider).forTenant?.(tenantId) ?? provider;
  const modelOf = (generation: number) => (fittable ? `${baseModel}/g${generation}` : baseModel);

  async function readState(em: EntityManager, tenantId: string): Promise<StateRow | undefined> {
    const [row] = await em.execute<StateRow[]>(
      `SELECT chunk_count, fitted_chunks, generation, model, embedder_state IS NOT NULL AS has_state, pending_vectors
       FROM kb_index_state WHERE tenant_id = ?`,
      [tenantId],
    );
    return row;
  }

  function stale(row: StateRow | undefined): boolean {
    if (!row || row.chunk_count === 0) return false;
    if (row.pending_vectors) return true;
    if (!fittable) return row.model !== baseModel;
    if (!row.has_state || row.model !== modelOf(row.generation)) return true;
    return row.chunk_count >= row.fitted_chunks * growth || row.chunk_count * growth <= row.fitted_chunks;
  }

  /** The embedder the tenant's stored vectors were made with (reads the state in `em`, or in a transaction of its own). */
  async function current(tenantId: string, em?: EntityManager): Promise<TenantEmbedding> {
    if (!fittable) return { embedder: forTenant(tenantId), model: baseModel, generation: 0, ready: true };
    if (!em) return db.withTenant(tenantId, (tx) => current(tenantId, tx));
    const row = await readState(em, tenantId);
    if (!row?.has_state || row.model !== modelOf(row.generation)) return { embedder: provider, model: modelOf(0), generation: 0, ready: false };
    const cached = cache.get(tenantId);
    if (cached?.generation === row.generation) return { embedder: cached.embedder, model: modelOf(row.generation), generation: row.generation, ready: true };
    const [s] = await em.execute<{ embedder_state: unknown }[]>('SELECT embedder_state FROM kb_index_state WHERE tenant_id = ?', [tenantId]);
    const embedder = createLocalEmbedder({ dimensions: provider.dimensions, state: LocalEmbedderState.parse(s.embedder_state) });
    cache.set(tenantId, { generation: row.generation, embedder });
    return { embedder, model: modelOf(row.generation), generation: row.generation, ready: true };
  }

  /**
   * Re-embed every chunk of the tenant (refitting the local embedder first). Vectors of the new
   * model are written beside the old ones in short transactions (PGlite serialises transactions,
   * so one long one would stall every request), then one transaction switches the state over and
   * drops the old model's vectors: searches see either the old or the new generation, never a mix.
   */
  async function reindex(
    tenantId: string,
    options: { onProgress?: (done: number, total: number) => void; signal?: AbortSignal } = {},
  ): Promise<{ chunks: number; model: string }> {
    const started = performance.now();
    const state0 = await db.withTenant(tenantId, (em) => readState(em, tenantId));
    // read in pages, one short transaction each (one statement for 20k chunks held PGlite ~1 s);
    // chunks written meanwhile are picked up by the final transaction below
    const before: { state: StateRow | undefined; drafts: ChunkDraft[]; texts: string[] } = { state: state0, drafts: [], texts: [] };
    for (let afterId: string | null = null; ; ) {
      const page = await db.withTenant(tenantId, (em) => loadAllChunkTexts(em, tenantId, undefined, { afterId, limit: readPage }));
      before.drafts.push(...page.drafts);
      before.texts.push(...page.texts);
      if (page.drafts.length < readPage) break;
      afterId = page.drafts[page.drafts.length - 1].id;
      options.signal?.throwIfAborted();
    }
    const generation = (before.state?.generation ?? 0) + 1;
    const model = modelOf(generation);
    let embedder: EmbeddingsProvider = forTenant(tenantId);
    let state: LocalEmbedderState | null = null;
    if (fittable) {
      const local = createLocalEmbedder({ dimensions: provider.dimensions });
      state = await local.fitAsync(before.texts, { signal: options.signal });
      embedder = local;
    }
    const usable = (await store.available()).ok && store.dimensions === provider.dimensions;
    // PGlite runs one transaction at a time and its WebAssembly HNSW inserts cost ~5–10 ms each:
    // batches of 10 keep a request's wait behind this backfill short (40 gave a first start's
    // requests p50 272 ms, 10 gives 56 ms, same total time; evals/src/startup/bench-first-start.ts)
    const batch = db.kind === 'pglite' && store.name === 'pgvector' ? 10 : 500;
    for (let i = 0; usable && i < before.drafts.length; i += batch) {
      // stopped: the vectors written so far belong to a model no search uses yet; the next refresh redoes them
      options.signal?.throwIfAborted();
      const drafts = before.drafts.slice(i, i + batch);
      const items = vectorItems(drafts, await embedder.embedDocuments(before.texts.slice(i, i + batch)));
      if (store.name === 'pgvector') {
        await db.withTenant(tenantId, async (em) => {
          await lockTenantKb(em, tenantId);
          await store.upsert(tenantId, model, items, { em });
        });
      } else await store.upsert(tenantId, model, items);
      options.onProgress?.(Math.min(i + batch, before.drafts.length), before.drafts.length);
      await new Promise((resolve) => setImmediate(resolve)); // keep the event loop responsive
    }
    const total = await db.withTenant(tenantId, async (em) => {
      await lockTenantKb(em, tenantId);
      // chunks written while we were embedding: embed them with the new state too
      const known = new Set(before.drafts.map((d) => d.id));
      const ids = await listChunkIds(em, tenantId);
      const added: ChunkDraft[] = (await loadAllChunkTexts(em, tenantId, ids.filter((id) => !known.has(id)))).drafts;
      if (usable && added.length) {
        await store.upsert(tenantId, model, vectorItems(added, await embedder.embedDocuments(added.map(draftSearchText))), { em });
      }
      if (usable) await store.delete(tenantId, { exceptModel: model }, { em });
      await em.execute(
        `INSERT INTO kb_index_state (tenant_id, model, embedder_state, fitted_chunks, generation, fitted_at) VALUES (?, ?, ?, ?, ?, now())
         ON CONFLICT (tenant_id) DO UPDATE SET model = excluded.model, embedder_state = excluded.embedder_state,
           fitted_chunks = excluded.fitted_chunks, generation = excluded.generation, pending_vectors = false, fitted_at = now()`,
        [tenantId, model, state ? JSON.stringify(state) : null, ids.length, generation],
      );
      return ids.length;
    });
    if (state) cache.set(tenantId, { generation, embedder: embedder as LocalEmbedder });
    logger.debug({ tenantId, chunks: total, model, ms: Math.round(performance.now() - started) }, 'knowledge base re-embedded');
    return { chunks: total, model };
  }

  return {
    provider,
    forTenant,
    fittable,
    baseModel,
    current,
    reindex,
    /** Re-embed when the corpus outgrew the fitted state (or the provider changed); returns whether it did. */
    async maybeReindex(
      tenantId: string,
      options: { force?: boolean; onProgress?: (done: number, total: number) => void; signal?: AbortSignal } = {},
    ): Promise<boolean> {
      if (!(await store.available()).ok || store.dimensions !== provider.dimensions) return false;
      const row = await db.withTenant(tenantId, (em) => readState(em, tenantId));
      if (!options.force && !stale(row)) return false;
      await reindex(tenantId, { onProgress: options.onProgress, signal: options.signal });
      return true;
    },
    /** After writing chunks: record the model of their vectors, or that they still need vectors. */
    async markWritten(em: EntityManager, tenantId: string, model: string | null): Promise<void> {
      if (!model) await em.execute('UPDATE kb_index_state SET pending_vectors = true WHERE tenant_id = ?', [tenantId]);
      else if (!fittable) await em.execute('UPDATE kb_index_state SET model = ? WHERE tenant_id = ? AND model IS NULL', [model, tenantId]);
    },
  };
}

export type TenantEmbedders = ReturnType<typeof createTenantEmbedders>;

export async function embedInBatches(embedder: EmbeddingsProvider, texts: readonly string[], size = 256): Promise<number[][]> {
  const out: number[][] = [];
  for (let i = 0; i < texts.length; i += size) out.push(...(await embedder.embedDocuments(texts.slice(i, i + size))));
  return out;
}
