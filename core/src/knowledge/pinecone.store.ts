import { Pinecone, type RecordMetadata } from '@pinecone-database/pinecone';
import { z } from 'zod';
import { AppError } from '../errors/app-error.ts';
import { type VectorDeleteTarget, type VectorFilter, type VectorItem, type VectorStore, isZeroVector } from './vector-store.ts';

export const PineconeStoreConfig = z.object({
  apiKey: z.string().min(1, 'PINECONE_API_KEY is required'),
  /** The index host from `describeIndex` (e.g. `kb-abc123.svc.aped-1234.pinecone.io`); an http:// URL for a local double. */
  indexHost: z.string().min(1, 'the Pinecone index host is required'),
  dimensions: z.number().int().positive().default(768),
  /** Namespace per tenant: `${prefix}${tenantId}`. */
  namespacePrefix: z.string().default('tenant-'),
  maxRetries: z.number().int().min(0).max(5).default(2),
});
export type PineconeStoreConfig = z.input<typeof PineconeStoreConfig>;

interface KbVectorMetadata extends RecordMetadata {
  model: string;
  kind: string;
  documentId: string;
  interactionId: string;
  contactId: string;
  /** Epoch milliseconds: Pinecone range filters work on numbers only. */
  occurredAt: number;
}

const UPSERT_BATCH = 100; // Pinecone's recommended batch for 768-dim vectors (2 MB request limit)
const DELETE_BATCH = 1000; // Pinecone accepts at most 1000 ids per delete

/**
 * Chunk vectors in a Pinecone index, one namespace per tenant (so a query can only ever reach its
 * own tenant's vectors). Metadata carries what filters need; Pinecone metadata cannot hold null,
 * so absent ids are stored as ''. Row-level permissions are re-checked by the database.
 */
export function createPineconeStore(raw: PineconeStoreConfig): VectorStore {
  const config = PineconeStoreConfig.parse(raw);
  const client = new Pinecone({ apiKey: config.apiKey, maxRetries: config.maxRetries });
  const index = client.index<KbVectorMetadata>({ host: config.indexHost });
  const ns = (tenantId: string) => index.namespace(`${config.namespacePrefix}${tenantId}`);
  const fail = (op: string) => (err: unknown) => {
    throw new AppError('AI_SERVICE_UNAVAILABLE', `Pinecone ${op} failed: ${(err as Error).message}`, { cause: err });
  };

  function toFilter(model: string, filter: VectorFilter & { excludeInteractions?: boolean } = {}): object {
    const and: object[] = [{ model: { $eq: model } }];
    let kinds = filter.kinds ? [...filter.kinds] : undefined;
    if (filter.excludeInteractions) kinds = (kinds ?? ['document', 'interaction']).filter((k) => k !== 'interaction');
    if (kinds) and.push({ kind: { $in: kinds } });
    if (filter.contactId) and.push({ contactId: { $eq: filter.contactId } });
    if (filter.after) and.push({ occurredAt: { $gte: filter.after.getTime() } });
    if (filter.before) and.push({ occurredAt: { $lt: filter.before.getTime() } });
    return and.length === 1 ? and[0] : { $and: and };
  }

  return {
    name: 'pinecone',
    dimensions: config.dimensions,

    async available() {
      return { ok: true };
    },

    async upsert(tenantId: string, model: string, items: readonly VectorItem[]) {
      const records = items
        .filter((item) => !isZeroVector(item.vector)) // Pinecone rejects all-zero dense vectors
        .map((item) => ({
          id: item.id,
          values: item.vector,
          metadata: {
            model,
            kind: item.metadata.kind,
            documentId: item.metadata.documentId ?? '',
            interactionId: item.metadata.interactionId ?? '',
            contactId: item.metadata.contactId ?? '',
            occurredAt: item.metadata.occurredAt ? Date.parse(item.metadata.occurredAt) : 0,
          },
        }));
      for (let i = 0; i < records.length; i += UPSERT_BATCH) {
        await ns(tenantId).upsert({ records: records.slice(i, i + UPSERT_BATCH) }).catch(fail('upsert'));
      }
    },

    async delete(tenantId: string, target: VectorDeleteTarget) {
      if ('all' in target) return ns(tenantId).deleteAll().catch(fail('delete'));
      // record ids are chunk ids, so a re-embedding overwrote every live record already
      if ('exceptModel' in target) return;
      if ('documentId' in target) return ns(tenantId).deleteMany({ filter: { documentId: { $eq: target.documentId } } }).catch(fail('delete'));
      for (let i = 0; i < target.ids.length; i += DELETE_BATCH) {
        await ns(tenantId).deleteMany({ ids: target.ids.slice(i, i + DELETE_BATCH) }).catch(fail('delete'));
      }
    },

    async query(tenantId: string, model: string, vector: readonly number[], options: { k: number; filter?: VectorFilter }) {
      if (isZeroVector(vector)) return [];
      const res = await ns(tenantId)
        .query({ vector: [...vector], topK: Math.min(options.k, 10_000), filter: toFilter(model, options.filter), includeMetadata: false, includeValues: false })
        .catch(fail('query'));
      return res.matches.map((m) => ({ id: m.id, score: m.score ?? 0 }));
    },
  };
}
