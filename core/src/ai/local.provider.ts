import { createLocalEmbedder, type EmbeddingsProvider } from '../knowledge/local-embedder.ts';
import type { AiUsageStore } from './ai-usage.ts';
import type { ModelProvider } from './model-provider.ts';

/**
 * The offline default: the knowledge module's deterministic hashed n-gram embedder, and no chat
 * model — the agents package supplies the offline chat model (intent rules, extractive answers)
 * and labels its output as such. Nothing leaves the process, so there is nothing to account.
 */
export function createLocalModelProvider(usage: AiUsageStore, embedder: EmbeddingsProvider = createLocalEmbedder()): ModelProvider {
  return {
    id: `local:${embedder.id}`,
    kind: 'local',
    chat: () => undefined,
    embeddings: embedder,
    embeddingsFor: () => embedder,
    usage,
    breakerState: () => 'closed',
  };
}
