import type { EntityManager } from '@mikro-orm/postgresql';

export const CHUNK_KINDS = ['document', 'interaction'] as const;
export type ChunkKind = (typeof CHUNK_KINDS)[number];

/** What a vector store keeps beside each vector, enough to filter without the database. */
export interface VectorMetadata {
  kind: ChunkKind;
  documentId?: string | null;
  interactionId?: string | null;
  contactId?: string | null;
  /** ISO 8601. */
  occurredAt?: string;
}

export interface VectorItem {
  /** The chunk id (kb_chunks.id). */
  id: string;
  vector: number[];
  metadata: VectorMetadata;
}

export interface VectorFilter {
  kinds?: readonly ChunkKind[];
  contactId?: string;
  after?: Date;
  before?: Date;
}

export type VectorDeleteTarget = { ids: readonly string[] } | { documentId: string } | { exceptModel: string } | { all: true };

export interface VectorMatch {
  id: string;
  /** Cosine similarity (1 = same direction). */
  score: number;
}

/** Optional transaction of the caller: the pgvector store writes in it, so chunks and vectors commit together. */
export interface VectorWriteContext {
  em?: EntityManager;
}

/**
 * Where chunk vectors live: pgvector in the CRM database (default) or Pinecone. Always keyed by
 * tenant; a store never returns another tenant's vectors. Queries are approximate (HNSW) and the
 * caller re-checks every id against the database, which stays the source of truth: a vector whose
 * chunk is gone is simply not returned.
 */
export interface VectorStore {
  readonly name: 'pgvector' | 'pinecone';
  /** Vector length the store accepts. */
  readonly dimensions: number;
  /** False when the backend cannot hold vectors (e.g. PostgreSQL without pgvector); `reason` says why. */
  available(): Promise<{ ok: true } | { ok: false; reason: string }>;
  /** Model id stored with vectors; a query only sees vectors of the same model. */
  upsert(tenantId: string, model: string, items: readonly VectorItem[], ctx?: VectorWriteContext): Promise<void>;
  /** `exceptModel`: drop every vector not made by that model (after a re-embedding switched over). */
  delete(tenantId: string, target: VectorDeleteTarget, ctx?: VectorWriteContext): Promise<void>;
  query(tenantId: string, model: string, vector: readonly number[], options: { k: number; filter?: VectorFilter }): Promise<VectorMatch[]>;
}

/** pgvector text form; 7 significant digits keep cosine exact to ~1e-7 and halve the bytes on the wire. */
export function vectorLiteral(vector: readonly number[]): string {
  let out = '[';
  for (let i = 0; i < vector.length; i++) {
    if (i) out += ',';
    const v = vector[i];
    out += v === 0 ? '0' : Number(v.toPrecision(7)).toString();
  }
  return `${out}]`;
}

export function isZeroVector(vector: readonly number[]): boolean {
  for (const v of vector) if (v !== 0) return false;
  return true;
}
