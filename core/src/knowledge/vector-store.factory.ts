import type { VectorStoreConfig } from '../config/crm-config.ts';
import type { Database } from '../db/database.ts';
import { createPgVectorStore } from './pgvector.store.ts';
import type { VectorStore } from './vector-store.ts';

/**
 * The vector store the configuration names. Pinecone's SDK is imported only when it is selected;
 * its vectors are as long as the embeddings provider's.
 */
export async function createVectorStore(config: VectorStoreConfig, deps: { db: Database; dimensions: number }): Promise<VectorStore> {
  if (config.kind === 'pgvector') return createPgVectorStore(deps.db);
  const { createPineconeStore } = await import('./pinecone.store.ts');
  return createPineconeStore({
    apiKey: config.apiKey,
    indexHost: config.indexHost,
    namespacePrefix: config.namespacePrefix,
    dimensions: config.dimensions ?? deps.dimensions,
  });
}
