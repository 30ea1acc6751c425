import type { EntityManager } from '@mikro-orm/postgresql';
import type { Database } from '../db/database.ts';
import { AppError } from '../errors/app-error.ts';
import {
  type VectorFilter,
  type VectorItem,
  type VectorMatch,
  type VectorStore,
  type VectorDeleteTarget,
  type VectorWriteContext,
  isZeroVector,
} from './vector-store.ts';

export const PGVECTOR_DIMENSIONS = 768;

export type PgVectorStrategy = 'auto' | 'exact' | 'hnsw';

export interface PgVectorStoreOptions {
  /**
   * `exact`: scan the tenant's vectors by its btree index and sort (always k results, exact);
   * `hnsw`: the shared HNSW index with `hnsw.iterative_scan = relaxed_order`, which keeps scanning
   * until k rows pass the tenant filter; `auto` (default): exact up to `exactMaxVectors` (3,000)
   * vectors in the tenant, HNSW above. Measured on PGlite at 100k chunks (bench-retrieval.ts): a
   * 202-chunk tenant p50 4 ms exact vs 9 ms HNSW, a 2,000-chunk tenant 28 vs 39 ms; exact grows
   * ~14 µs per vector, so HNSW wins beyond a few thousand. A per-tenant partial HNSW index was no
   * faster than iterative scans and needs DDL per tenant, so it is not used.
   */
  strategy?: PgVectorStrategy;
  exactMaxVectors?: number;
  /** HNSW candidate list size; raised to 2k when k is larger. */
  efSearch?: number;
}

/** Extra filter only SQL can evaluate: a rep sees interaction chunks of their own contacts or interactions. */
export interface PgVectorFilter extends VectorFilter {
  ownerUserId?: string;
  /** Leave interaction chunks out entirely (no interactions:read). */
  excludeInteractions?: boolean;
  /** Only chunks of these contacts' interactions (the people of a company a question names). */
  contactIds?: readonly string[];
}

/** pgvector's binary wire format: dimensions (int16), unused (int16), float4 big-endian values. */
export function vectorBinary(vector: readonly number[]): Buffer {
  const buf = Buffer.allocUnsafe(4 + 4 * vector.length);
  buf.writeInt16BE(vector.length, 0);
  buf.writeInt16BE(0, 2);
  for (let i = 0; i < vector.length; i++) buf.writeFloatBE(vector[i], 4 + 4 * i);
  return buf;
}

/**
 * A statement on the transaction's own connection with real bind parameters. `em.execute` inlines
 * parameters as SQL literals, which turns a Buffer into text; knex's raw keeps it binary.
 */
async function raw<T>(em: EntityManager, sql: string, params: unknown[]): Promise<T[]> {
  const trx = em.getTransactionContext<{ raw(sql: string, bindings: unknown[]): Promise<{ rows: T[] }> }>();
  if (!trx) throw new Error('pgvector store: a transaction is required');
  return (await trx.raw(sql, params)).rows;
}

/** SQL conditions over `c` (kb_chunks) for the filters shared by full-text and vector search. */
export function chunkFilterSql(filter: PgVectorFilter | undefined): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (!filter) return { sql: '', params };
  const kinds = filter.excludeInteractions ? (filter.kinds ?? ['document', 'interaction']).filter((k) => k !== 'interaction') : filter.kinds;
  if (kinds) {
    where.push(`c.kind IN (SELECT jsonb_array_elements_text(?::jsonb))`);
    params.push(JSON.stringify(kinds));
  }
  if (filter.contactId) {
    where.push('c.contact_id = ?');
    params.push(filter.contactId);
  }
  if (filter.contactIds) {
    where.push('c.contact_id IN (SELECT (jsonb_array_elements_text(?::jsonb))::uuid)');
    params.push(JSON.stringify(filter.contactIds));
  }
  if (filter.after) {
    where.push('c.occurred_at >= ?');
    params.push(filter.after);
  }
  if (filter.before) {
    where.push('c.occurred_at < ?');
    params.push(filter.before);
  }
  if (filter.ownerUserId) {
    where.push(`(c.kind <> 'interaction' OR EXISTS (
      SELECT 1 FROM interactions i JOIN contacts ct ON ct.id = i.contact_id
      WHERE i.id = c.interaction_id AND (ct.assigned_to = ? OR i.user_id = ?)))`);
    params.push(filter.ownerUserId, filter.ownerUserId);
  }
  return { sql: where.map((w) => ` AND ${w}`).join(''), params };
}

export interface PgVectorQueryOptions {
  k: number;
  filter?: PgVectorFilter;
  strategy?: PgVectorStrategy;
  /** Run inside the caller's tenant transaction (one round trip fewer per search). */
  em?: EntityManager;
}

export interface PgVectorStore extends VectorStore {
  readonly name: 'pgvector';
  query(tenantId: string, model: string, vector: readonly number[], opts: PgVectorQueryOptions): Promise<VectorMatch[]>;
}

/** Vectors in the CRM database (pgvector, HNSW cosine), isolated by row-level security. */
export function createPgVectorStore(db: Database, options: PgVectorStoreOptions = {}): PgVectorStore {
  const exactMaxVectors = options.exactMaxVectors ?? 3_000;
  let availability: Promise<{ ok: true } | { ok: false; reason: string }> | undefined;

  const inTx = <T>(tenantId: string, ctx: VectorWriteContext | undefined, fn: (em: EntityManager) => Promise<T>) =>
    ctx?.em ? fn(ctx.em) : db.withTenant(tenantId, fn);

  const store = {
    name: 'pgvector' as const,
    dimensions: PGVECTOR_DIMENSIONS,

    available() {
      availability ??= db
        .asWorker(async (c) => (await c.query<{ t: string | null }>("SELECT to_regclass('public.kb_vectors')::text AS t")).rows[0].t)
        .then((table) =>
          table
            ? { ok: true as const }
            : { ok: false as const, reason: 'this PostgreSQL server has no pgvector extension (kb_vectors was not created)' },
        );
      return availability;
    },

    async upsert(tenantId: string, model: string, items: readonly VectorItem[], ctx?: VectorWriteContext) {
      const rows = items.filter((item) => !isZeroVector(item.vector)); // cosine distance to a zero vector is NaN
      for (const item of rows) {
        if (item.vector.length !== PGVECTOR_DIMENSIONS) {
          throw new AppError('VALIDATION_FAILED', `pgvector column holds ${PGVECTOR_DIMENSIONS}-dim vectors, got ${item.vector.length}`);
        }
      }
      if (!rows.length) return;
      await inTx(tenantId, ctx, async (em) => {
        for (let i = 0; i < rows.length; i += 100) {
          const batch = rows.slice(i, i + 100);
          // Binary vector parameters: parsing 768 floats from text costs ~5 ms per vector in PGlite.
          // Chunks deleted meanwhile are skipped instead of failing the foreign key.
          await raw(
            em,
            `INSERT INTO kb_vectors (chunk_id, tenant_id, model, embedding)
             SELECT v.id, ?, ?, v.e FROM (VALUES ${batch.map(() => '(?::uuid, ?::vector)').join(', ')}) AS v(id, e)
             WHERE EXISTS (SELECT 1 FROM kb_chunks c WHERE c.id = v.id)
             ON CONFLICT (chunk_id, model) DO UPDATE SET embedding = excluded.embedding`,
            [tenantId, model, ...batch.flatMap((item) => [item.id, vectorBinary(item.vector)])],
          );
        }
      });
    },

    async delete(tenantId: string, target: VectorDeleteTarget, ctx?: VectorWriteContext) {
      await inTx(tenantId, ctx, async (em) => {
        if ('all' in target) await em.execute('DELETE FROM kb_vectors WHERE tenant_id = ?', [tenantId]);
        else if ('exceptModel' in target) await em.execute('DELETE FROM kb_vectors WHERE tenant_id = ? AND model <> ?', [tenantId, target.exceptModel]);
        else if ('documentId' in target) {
          await em.execute('DELETE FROM kb_vectors v USING kb_chunks c WHERE c.id = v.chunk_id AND c.document_id = ? AND v.tenant_id = ?', [
            target.documentId,
            tenantId,
          ]);
        } else if (target.ids.length) {
          await em.execute('DELETE FROM kb_vectors WHERE tenant_id = ? AND chunk_id IN (SELECT (jsonb_array_elements_text(?::jsonb))::uuid)', [
            tenantId,
            JSON.stringify(target.ids),
          ]);
        }
      });
    },

    async query(tenantId: string, model: string, vector: readonly number[], opts: PgVectorQueryOptions) {
      if (isZeroVector(vector)) return [];
      const f = chunkFilterSql(opts.filter);
      return inTx(tenantId, { em: opts.em }, async (em) => {
        let strategy = opts.strategy ?? options.strategy ?? 'auto';
        if (strategy === 'auto') {
          const [state] = await em.execute<{ n: number }[]>('SELECT chunk_count AS n FROM kb_index_state WHERE tenant_id = ?', [tenantId]);
          strategy = (state?.n ?? 0) <= exactMaxVectors ? 'exact' : 'hnsw';
        }
        let rows: { id: string; d: number }[];
        const q = vectorBinary(vector);
        if (strategy === 'exact') {
          // ORDER BY over a materialised CTE cannot use the HNSW index: an exact scan of this tenant only.
          rows = await raw(
            em,
            `WITH cand AS MATERIALIZED (
               SELECT v.chunk_id AS id, v.embedding <=> ?::vector AS d FROM kb_vectors v JOIN kb_chunks c ON c.id = v.chunk_id
               WHERE v.tenant_id = ? AND v.model = ?${f.sql})
             SELECT id, d FROM cand ORDER BY d, id LIMIT ?`,
            [q, tenantId, model, ...f.params, opts.k],
          );
        } else {
          await em.execute(
            "SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true), set_config('hnsw.ef_search', ?, true)",
            [String(Math.min(1000, Math.max(options.efSearch ?? 100, opts.k * 2)))],
          );
          // relaxed_order may return neighbours slightly out of order: re-sort the k found.
          rows = await raw(
            em,
            `WITH cand AS MATERIALIZED (
               SELECT v.chunk_id AS id, v.embedding <=> ?::vector AS d FROM kb_vectors v JOIN kb_chunks c ON c.id = v.chunk_id
               WHERE v.tenant_id = ? AND v.model = ?${f.sql}
               ORDER BY v.embedding <=> ?::vector LIMIT ?)
             SELECT id, d FROM cand ORDER BY d, id`,
            [q, tenantId, model, ...f.params, q, opts.k],
          );
        }
        return rows.map((r) => ({ id: r.id, score: 1 - Number(r.d) }));
      });
    },
  };
  return store;
}
