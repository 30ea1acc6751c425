import type { VectorStoreConfig } from '../config/crm-config.ts';
import { createPgVectorStore } from './pgvector.store.ts';
import type { VectorStore } from './vector-store.ts';
import { databaseOf, type DatabaseHandle } from '../db/database-handle.ts';

/**
 * The vector store the configuration names. Pinecone's SDK is imported only when it is selected;
 * its vectors are as long as the embeddings provider's.
 */
export async function createVectorStore(config: VectorStoreConfig, deps: { db: DatabaseHandle; dimensions: number }): Promise<VectorStore> {
  if (config.kind === 'pgvector') return createPgVectorStore(databaseOf(deps.db));
  const { createPineconeStore } = await import('./pinecone.store.ts');
  return createPineconeStore({
    apiKey: config.apiKey,
    indexHost: config.indexHost,
    namespacePrefix: config.namespacePrefix,
    dimensions: config.dimensions ?? deps.dimensions,
  });
}
