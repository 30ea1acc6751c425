import { createModelProvider, type EmbeddingsProvider, loadModelProviderConfig, silentLogger } from '@crm/core';
import { doubleProviderEnv, type EmbeddingsDouble, startEmbeddingsDouble } from './embeddings-double.ts';

/**
 * The embedder a retrieval evaluation runs with: the configured model provider's when
 * `CRM_MODEL_PROVIDER` is not `local` (a real endpoint) or `CRM_LOCAL_EMBEDDER` is `use`, the product's openai-compatible provider
 * against the local embeddings double with `useDouble`, else undefined (core's local embedder).
 */
export async function evalEmbedder(useDouble: boolean): Promise<{ embeddings?: EmbeddingsProvider; label: string; close(): Promise<void> }> {
  const double: EmbeddingsDouble | undefined = useDouble ? await startEmbeddingsDouble() : undefined;
  const env = double ? { ...process.env, ...doubleProviderEnv(double.url) } : process.env;
  // the local provider with CRM_LOCAL_EMBEDDER=use (the packaged Universal Sentence Encoder) goes through the product's factory too
  if ((env.CRM_MODEL_PROVIDER ?? 'local') === 'local' && (env.CRM_LOCAL_EMBEDDER ?? 'hashed') === 'hashed') return { label: 'local', close: async () => {} };
  const { embeddings } = await createModelProvider(loadModelProviderConfig(env), { logger: silentLogger() });
  process.stderr.write(`embedder: ${embeddings.id}${double ? ' (OpenAI-compatible double: hashed bag of words)' : ''}\n`);
  return { embeddings, label: double ? `${embeddings.id} (double)` : embeddings.id, close: async () => double?.close() };
}
