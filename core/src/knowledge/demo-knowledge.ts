import type { Actor } from '../users/user.schema.ts';
import { DEMO_KB_DIR } from './knowledge-base-loader.ts';
import { readKnowledgeFiles } from './knowledge-files.ts';
import type { KnowledgeService } from './knowledge.service.ts';
import { databaseOf, type DatabaseHandle } from '../db/database-handle.ts';

export interface DemoKnowledgeReport {
  documents: { created: number; updated: number; unchanged: number; failed: number };
  interactions: number;
  chunks: number;
}

/**
 * Load the demo knowledge base (core/demo-kb) into a tenant and index its interaction history.
 * Idempotent: unchanged documents and already-indexed interactions are skipped. Phases are
 * reported as 'documents', 'interactions' (full-text) and 'vectors' (one embedding pass at the end).
 */
export async function seedDemoKnowledge(
  core: { knowledge: KnowledgeService },
  admin: Actor,
  options: { onProgress?: (phase: 'documents' | 'interactions' | 'vectors', done: number, total: number) => void; signal?: AbortSignal } = {},
): Promise<DemoKnowledgeReport> {
  const files = await readKnowledgeFiles(DEMO_KB_DIR);
  const results = await core.knowledge.addDocuments(admin, files, { reindex: false, signal: options.signal, onProgress: (d, n) => options.onProgress?.('documents', d, n) });
  const count = (s: string) => results.filter((r) => r.status === s).length;
  options.signal?.throwIfAborted();
  const indexed = await core.knowledge.backfillInteractions(admin.tenantId, {
    reindex: false,
    signal: options.signal,
    onProgress: (d, n) => options.onProgress?.('interactions', d, n),
  });
  await core.knowledge.refresh(admin.tenantId, { onProgress: (d, n) => options.onProgress?.('vectors', d, n), signal: options.signal });
  return {
    documents: { created: count('created'), updated: count('updated'), unchanged: count('unchanged'), failed: count('failed') },
    interactions: indexed.interactions,
    chunks: results.reduce((n, r) => n + (r.chunks ?? 0), 0) + indexed.chunks,
  };
}

/**
 * The demo tenant's admin when that tenant's knowledge load was cut short (a first `crm start`
 * stopped while it ran in the background): interactions not indexed yet, or vectors pending.
 * `crm start` resumes the load then. Null when there is no demo tenant or nothing is missing.
 */
export async function unfinishedDemoKnowledge(handle: DatabaseHandle, slug: string): Promise<Actor | null> {
  const db = databaseOf(handle);
  const [[admin]] = (await db.readAsWorker([
    {
      sql: `SELECT u.id AS "userId", u.tenant_id AS "tenantId", u.role FROM users u JOIN tenants t ON t.id = u.tenant_id
            WHERE t.slug = $1 AND u.role = 'ADMIN' ORDER BY u.created_at LIMIT 1`,
      params: [slug],
    },
  ])) as unknown as Actor[][];
  if (!admin) return null;
  const [[state]] = await db.readAsTenant(admin.tenantId, [
    {
      sql: `SELECT EXISTS (SELECT 1 FROM interactions i WHERE NOT EXISTS (SELECT 1 FROM kb_chunks c WHERE c.interaction_id = i.id))
              OR coalesce((SELECT pending_vectors FROM kb_index_state), false) AS unfinished`,
    },
  ]);
  return state?.unfinished === true ? admin : null;
}
