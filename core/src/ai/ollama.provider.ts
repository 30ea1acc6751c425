import { ChatOllama, OllamaEmbeddings } from '@langchain/ollama';
import { attemptAwareFetch, type AiCallGuard } from './ai-call-guard.ts';
import type { AiUsageStore } from './ai-usage.ts';
import { bindAiGuard, guardedChatModelClass } from './guarded-chat-model.ts';
import type { OllamaSettings } from './model-provider.config.ts';
import type { ModelProvider } from './model-provider.ts';
import { remoteModelProvider } from './remote-provider.ts';

const GuardedChatOllama = guardedChatModelClass(ChatOllama);

/**
 * A local or remote Ollama server through `@langchain/ollama`: chat on `POST /api/chat`
 * (streamed NDJSON, tool calling) and embeddings on `POST /api/embed`.
 */
export function createOllamaModelProvider(settings: OllamaSettings, guard: AiCallGuard, usage: AiUsageStore, baseFetch?: typeof fetch): ModelProvider {
  // The Ollama client takes no per-call signal; this fetch joins each request to the attempt's.
  const fetch = attemptAwareFetch(baseFetch);
  return remoteModelProvider({
    id: `ollama:${settings.baseUrl}`,
    kind: 'ollama',
    guard,
    usage,
    chat: () => bindAiGuard(new GuardedChatOllama({ model: settings.chatModel, baseUrl: settings.baseUrl, fetch, maxRetries: 0 }), guard, settings.chatModel),
    embeddings: {
      inner: new OllamaEmbeddings({
        model: settings.embeddingModel,
        baseUrl: settings.baseUrl,
        fetch,
        maxRetries: 0,
        // LangChain's default of 1 queues calls, and a queued request would start in the async
        // context of the one before it, joined to that (possibly timed-out) attempt's signal.
        maxConcurrency: Infinity,
        dimensions: settings.requestDimensions ? settings.embeddingDimensions : undefined,
      }),
      model: settings.embeddingModel,
      dimensions: settings.embeddingDimensions,
      dimensionsVariable: 'OLLAMA_EMBEDDING_DIMENSIONS',
    },
  });
}
