import type { EntityManager } from '@mikro-orm/postgresql';
import { chunkSearchText } from './knowledge.schema.ts';
import { type KbDocument, kbDocumentUri } from './knowledge-api.schema.ts';
import type { ChunkKind, VectorItem } from './vector-store.ts';

/** A chunk ready to be written: ids are chosen before the transaction so a remote vector store can be written first. */
export interface ChunkDraft {
  id: string;
  kind: ChunkKind;
  documentId: string | null;
  interactionId: string | null;
  contactId: string | null;
  chunkIndex: number;
  heading: string;
  text: string;
  contentHash: string;
  wordCount: number;
  occurredAt: Date;
  metadata: Record<string, unknown>;
}

/** What both indexes see: heading context plus passage. */
export const draftSearchText = (d: Pick<ChunkDraft, 'heading' | 'text'>) => chunkSearchText({ context: d.heading, text: d.text });

export function vectorItems(drafts: readonly ChunkDraft[], vectors: readonly number[][]): VectorItem[] {
  return drafts.map((d, i) => ({
    id: d.id,
    vector: vectors[i],
    metadata: {
      kind: d.kind,
      documentId: d.documentId,
      interactionId: d.interactionId,
      contactId: d.contactId,
      occurredAt: d.occurredAt.toISOString(),
    },
  }));
}

const BATCH = 1000;

export async function insertChunks(em: EntityManager, tenantId: string, drafts: readonly ChunkDraft[]): Promise<void> {
  for (let i = 0; i < drafts.length; i += BATCH) {
    const rows = drafts.slice(i, i + BATCH).map((d) => ({
      id: d.id,
      kind: d.kind,
      document_id: d.documentId,
      interaction_id: d.interactionId,
      contact_id: d.contactId,
      chunk_index: d.chunkIndex,
      heading: d.heading,
      text: d.text,
      content_hash: d.contentHash,
      word_count: d.wordCount,
      occurred_at: d.occurredAt.toISOString(),
      metadata: d.metadata,
    }));
    await em.execute(
      `INSERT INTO kb_chunks (id, tenant_id, kind, document_id, interaction_id, contact_id, chunk_index, heading, text,
         content_hash, word_count, occurred_at, metadata)
       SELECT r.id, ?, r.kind, r.document_id, r.interaction_id, r.contact_id, r.chunk_index, r.heading, r.text,
         r.content_hash, r.word_count, r.occurred_at, r.metadata
       FROM jsonb_to_recordset(?::jsonb) AS r(id uuid, kind text, document_id uuid, interaction_id uuid, contact_id uuid,
         chunk_index int, heading text, text text, content_hash text, word_count int, occurred_at timestamptz, metadata jsonb)`,
      [tenantId, JSON.stringify(rows)],
    );
  }
}

export interface ChunkRow {
  id: string;
  kind: ChunkKind;
  document_id: string | null;
  interaction_id: string | null;
  contact_id: string | null;
  chunk_index: number;
  heading: string;
  text: string;
  occurred_at: Date;
  metadata: Record<string, unknown>;
  title: string | null;
  source: string | null;
}

/** Chunk rows by id, re-checked against the filters (`filterSql` over alias `c`). */
export async function loadChunks(em: EntityManager, ids: readonly string[], filter: { sql: string; params: unknown[] }): Promise<Map<string, ChunkRow>> {
  if (!ids.length) return new Map();
  const rows = await em.execute<ChunkRow[]>(
    `SELECT c.id, c.kind, c.document_id, c.interaction_id, c.contact_id, c.chunk_index, c.heading, c.text, c.occurred_at,
       c.metadata, d.title, d.source
     FROM kb_chunks c LEFT JOIN kb_documents d ON d.id = c.document_id
     WHERE c.id IN (SELECT (jsonb_array_elements_text(?::jsonb))::uuid)${filter.sql}`,
    [JSON.stringify(ids), ...filter.params],
  );
  return new Map(rows.map((r) => [r.id, r]));
}

/** Every chunk (or the given ones) of a tenant in a stable order, e.g. to refit the local embedder. */
/**
 * The chunks of a tenant with their search texts, in id order: all of them, the ones in `onlyIds`,
 * or one page (`page`: the `limit` chunks after `afterId`) — a long reader pages so that no single
 * statement holds the embedded database (one thread for every request) for long.
 */
export async function loadAllChunkTexts(
  em: EntityManager,
  tenantId: string,
  onlyIds?: readonly string[],
  page?: { afterId: string | null; limit: number },
): Promise<{ drafts: ChunkDraft[]; texts: string[] }> {
  if (onlyIds && !onlyIds.length) return { drafts: [], texts: [] };
  const params: unknown[] = [tenantId];
  let where = '';
  if (onlyIds) {
    where += ' AND id IN (SELECT (jsonb_array_elements_text(?::jsonb))::uuid)';
    params.push(JSON.stringify(onlyIds));
  }
  if (page?.afterId) {
    where += ' AND id > ?';
    params.push(page.afterId);
  }
  if (page) params.push(page.limit);
  const rows = await em.execute<(Omit<ChunkRow, 'title' | 'source'> & { content_hash: string; word_count: number })[]>(
    `SELECT id, kind, document_id, interaction_id, contact_id, chunk_index, heading, text, occurred_at, metadata, content_hash, word_count
     FROM kb_chunks WHERE tenant_id = ?${where} ORDER BY id${page ? ' LIMIT ?' : ''}`,
    params,
  );
  const drafts = rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    documentId: r.document_id,
    interactionId: r.interaction_id,
    contactId: r.contact_id,
    chunkIndex: r.chunk_index,
    heading: r.heading,
    text: r.text,
    contentHash: r.content_hash,
    wordCount: r.word_count,
    occurredAt: new Date(r.occurred_at),
    metadata: r.metadata,
  }));
  return { drafts, texts: drafts.map(draftSearchText) };
}

export async function listChunkIds(em: EntityManager, tenantId: string): Promise<string[]> {
  return (await em.execute<{ id: string }[]>('SELECT id FROM kb_chunks WHERE tenant_id = ?', [tenantId])).map((r) => r.id);
}

export interface DocumentRow {
  id: string;
  tenant_id: string;
  source: string;
  title: string;
  type: KbDocument['type'];
  content_hash: string;
  chunker_version: string;
  byte_size: number;
  chunk_count: number;
  metadata: Record<string, string>;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

export const DOCUMENT_COLUMNS =
  'id, tenant_id, source, title, type, content_hash, chunker_version, byte_size, chunk_count, metadata, created_by, created_at, updated_at';

export function toKbDocument(r: DocumentRow): KbDocument {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    source: r.source,
    title: r.title,
    type: r.type,
    contentHash: r.content_hash,
    byteSize: r.byte_size,
    chunkCount: r.chunk_count,
    metadata: r.metadata ?? {},
    createdBy: r.created_by,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
    uri: kbDocumentUri(r.id),
  };
}
