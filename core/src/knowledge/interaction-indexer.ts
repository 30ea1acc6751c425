import { randomUUID } from 'node:crypto';
import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import type { OutboxDispatcher } from '../outbox/outbox.dispatcher.ts';
import { chunkDocument, sha256 } from './chunker.ts';
import type { ChunkDraft } from './kb-chunk.repository.ts';
import type { KbWriter } from './kb-writer.ts';
import type { TenantEmbedders } from './tenant-embedder.ts';

export const INTERACTION_INDEXER_CONSUMER = 'knowledge-interaction-indexer';

const TYPE_LABELS: Record<string, string> = {
  EMAIL: 'Email',
  PHONE_CALL: 'Phone call',
  MEETING: 'Meeting',
  CHAT: 'Chat',
  SOCIAL_MEDIA: 'Social media message',
  FORM_SUBMISSION: 'Form submission',
  WEBSITE_VISIT: 'Website visit',
};

export interface InteractionSourceRow {
  id: string;
  contact_id: string;
  user_id: string | null;
  type: string;
  direction: string;
  subject: string | null;
  content: string;
  outcome: string | null;
  created_at: Date | string;
  first_name: string;
  last_name: string;
  company: string | null;
}

/**
 * An interaction as knowledge: heading "Phone call with Riley Chen (Northbridge Realty) on 2025-05-02 — subject"
 * (the contact's name and company make "what did we tell Northbridge" findable), text = content
 * plus outcome. Long notes are split by the document chunker.
 */
export function interactionDrafts(row: InteractionSourceRow): ChunkDraft[] {
  const label = TYPE_LABELS[row.type] ?? row.type;
  const who = `${row.first_name} ${row.last_name}`.trim();
  const occurredAt = new Date(row.created_at);
  // the date in the title: a passage quoted on its own still says who said it and when
  const title = `${label} with ${who}${row.company ? ` (${row.company})` : ''} on ${occurredAt.toISOString().slice(0, 10)}`;
  const heading = row.subject ? `${title} — ${row.subject}` : title;
  const body = [row.content.trim(), row.outcome ? `Outcome: ${row.outcome.trim()}` : ''].filter(Boolean).join('\n\n');
  const base = { kind: 'interaction' as const, documentId: null, interactionId: row.id, contactId: row.contact_id, occurredAt };
  const metadata = { title, type: row.type, direction: row.direction, userId: row.user_id };
  const pieces = body
    ? chunkDocument({
        filename: 'interaction.txt',
        title: heading,
        type: 'text',
        text: body,
        sections: [{ headingPath: [], text: body, headingStart: 0, start: 0, end: body.length }],
        metadata: {},
      }).chunks.map((c) => ({ text: c.text, wordCount: c.wordCount }))
    : [{ text: '', wordCount: 0 }];
  return pieces.map((p, i) => ({
    ...base,
    id: randomUUID(),
    chunkIndex: i,
    heading,
    text: p.text,
    contentHash: sha256(`${heading}\u0000${p.text}`),
    wordCount: p.wordCount + heading.split(/\s+/).length,
    metadata,
  }));
}

/** Interactions (re)indexed per transaction by the outbox subscriber (the embedded database serves one at a time). */
const INDEX_CHUNK = 100;

const SELECT_INTERACTIONS = `SELECT i.id, i.contact_id, i.user_id, i.type, i.direction, i.subject, i.content, i.outcome, i.created_at,
  ct.first_name, ct.last_name, ct.company
  FROM interactions i JOIN contacts ct ON ct.id = i.contact_id`;

/**
 * Keeps interactions searchable: each `interaction.logged` event (from the service or an import)
 * re-reads the interaction and (re)indexes it; `backfill` indexes a tenant's history in batches
 * (the demo seed writes history without events).
 */
export function createInteractionIndexer(deps: { db: Database; writer: KbWriter; embedders: TenantEmbedders; logger: Logger }) {
  const { db, writer, embedders } = deps;

  /** (Re)index the given interactions: their old chunks are replaced in the same transaction. */
  async function indexInteractions(tenantId: string, ids: readonly string[]): Promise<{ interactions: number; chunks: number }> {
    if (!ids.length) return { interactions: 0, chunks: 0 };
    const rows = await db.withTenant(tenantId, (em) =>
      em.execute<InteractionSourceRow[]>(`${SELECT_INTERACTIONS} WHERE i.id IN (SELECT (jsonb_array_elements_text(?::jsonb))::uuid) ORDER BY i.created_at, i.id`, [
        JSON.stringify(ids),
      ]),
    );
    return writeRows(tenantId, rows, true);
  }

  async function writeRows(tenantId: string, rows: InteractionSourceRow[], replace: boolean, bulk = false) {
    const drafts = rows.flatMap(interactionDrafts);
    if (!rows.length) return { interactions: 0, chunks: 0 };
    // bulk + local embedder: write full-text now, embed everything in one refit at the end
    const options = bulk ? { embed: !embedders.fittable, reindex: false } : {};
    await writer.write(tenantId, drafts, {
      async prepare(em) {
        if (!replace) return { replacedIds: [], value: null };
        const old = await em.execute<{ id: string }[]>(
          'DELETE FROM kb_chunks WHERE tenant_id = ? AND interaction_id IN (SELECT (jsonb_array_elements_text(?::jsonb))::uuid) RETURNING id',
          [tenantId, JSON.stringify(rows.map((r) => r.id))],
        );
        return { replacedIds: old.map((r) => r.id), value: null };
      },
    }, options);
    return { interactions: rows.length, chunks: drafts.length };
  }

  /**
   * Index every interaction of the tenant that has no chunks yet, `batchSize` per transaction. With
   * the local embedder the batches are written without vectors and the tenant is refitted and
   * embedded once at the end (when the history is large next to what is indexed, as after a seed).
   */
  async function backfill(
    tenantId: string,
    options: { batchSize?: number; onProgress?: (done: number, total: number) => void; reindex?: boolean; signal?: AbortSignal } = {},
  ): Promise<{ interactions: number; chunks: number }> {
    // short transactions on PGlite (one at a time there), so requests interleave with the backfill
    const batchSize = options.batchSize ?? (db.kind === 'pglite' ? 200 : 2000);
    // the ids to index, once: re-running the anti-join per batch made each batch slower than the
    // last (and on PGlite every other request waits behind it)
    const pending = (
      await db.withTenant(tenantId, (em) =>
        em.execute<{ id: string }[]>(
          'SELECT i.id FROM interactions i WHERE NOT EXISTS (SELECT 1 FROM kb_chunks c WHERE c.interaction_id = i.id) ORDER BY i.created_at, i.id',
        ),
      )
    ).map((r) => r.id);
    const total = pending.length;
    let done = { interactions: 0, chunks: 0 };
    for (let i = 0; i < pending.length; i += batchSize) {
      options.signal?.throwIfAborted(); // every batch so far is committed; a later backfill goes on from there
      const batch = pending.slice(i, i + batchSize);
      // skip any the outbox subscriber indexed meanwhile
      const rows = await db.withTenant(tenantId, (em) =>
        em.execute<InteractionSourceRow[]>(
          `${SELECT_INTERACTIONS} WHERE i.id IN (SELECT (jsonb_array_elements_text(?::jsonb))::uuid)
             AND NOT EXISTS (SELECT 1 FROM kb_chunks c WHERE c.interaction_id = i.id) ORDER BY i.created_at, i.id`,
          [JSON.stringify(batch)],
        ),
      );
      const r = await writeRows(tenantId, rows, false, true);
      done = { interactions: done.interactions + r.interactions, chunks: done.chunks + r.chunks };
      options.onProgress?.(Math.min(i + batch.length, total), total);
      await new Promise((resolve) => setImmediate(resolve)); // let queued requests in
    }
    if (done.chunks && options.reindex !== false) await embedders.maybeReindex(tenantId);
    return done;
  }

  function subscribe(outbox: OutboxDispatcher): () => void {
    return outbox.subscribe({
      consumer: INTERACTION_INDEXER_CONSUMER,
      types: ['interaction.logged'],
      async handler(event) {
        const payload = event.payload as { interaction?: { id?: string }; interactionId?: string };
        const id = payload.interaction?.id ?? payload.interactionId;
        if (id) await indexInteractions(event.tenantId, [id]);
      },
      // one read and one write per tenant for the whole batch
      async handleBatch(events, { signal }) {
        const byTenant = new Map<string, Set<string>>();
        for (const e of events) {
          const payload = e.payload as { interaction?: { id?: string }; interactionId?: string };
          const id = payload.interaction?.id ?? payload.interactionId;
          if (id) byTenant.set(e.tenantId, (byTenant.get(e.tenantId) ?? new Set<string>()).add(id));
        }
        for (const [tenantId, ids] of byTenant) {
          const all = [...ids];
          for (let i = 0; i < all.length; i += INDEX_CHUNK) {
            signal.throwIfAborted();
            await indexInteractions(tenantId, all.slice(i, i + INDEX_CHUNK));
          }
        }
      },
    });
  }

  return { indexInteractions, backfill, subscribe };
}

export type InteractionIndexer = ReturnType<typeof createInteractionIndexer>;
