import { ChatOpenAI, OpenAIEmbeddings, type ChatOpenAICallOptions } from '@langchain/openai';
import { attemptAwareFetch, type AiCallGuard } from './ai-call-guard.ts';
import type { AiUsageStore } from './ai-usage.ts';
import { bindAiGuard, guardedChatModelClass } from './guarded-chat-model.ts';
import type { OpenAiCompatibleSettings } from './model-provider.config.ts';
import type { ModelProvider } from './model-provider.ts';
import { remoteModelProvider } from './remote-provider.ts';

/** ChatOpenAI binds call options by constructing a new ChatOpenAI: keep the copy guarded. */
class GuardedChatOpenAI extends guardedChatModelClass(ChatOpenAI) {
  override withConfig(config: Partial<ChatOpenAICallOptions>) {
    const copy = new GuardedChatOpenAI(this.fields);
    copy.defaultOptions = { ...this.defaultOptions, ...config };
    return bindAiGuard(copy, this.aiGuard, this.aiModel);
  }
}

/** Sent when OPENAI_API_KEY is unset: the client insists on a key, local servers ignore it. */
const NO_KEY = 'not-set';

/**
 * Any server speaking OpenAI's API (vLLM, LM Studio, llama.cpp, OpenAI itself) through
 * `@langchain/openai`: `POST {OPENAI_BASE_URL}/chat/completions` (Chat Completions, never the
 * Responses API, which such servers rarely have) and `POST {OPENAI_BASE_URL}/embeddings`.
 */
export function createOpenAiCompatibleModelProvider(
  settings: OpenAiCompatibleSettings,
  guard: AiCallGuard,
  usage: AiUsageStore,
  baseFetch?: typeof fetch,
): ModelProvider {
  const configuration = { baseURL: settings.baseUrl, fetch: attemptAwareFetch(baseFetch) };
  const apiKey = settings.apiKey ?? NO_KEY;
  return remoteModelProvider({
    id: `openai-compatible:${settings.baseUrl}`,
    kind: 'openai-compatible',
    guard,
    usage,
    chat: () =>
      bindAiGuard(
        new GuardedChatOpenAI({ model: settings.chatModel, apiKey, configuration, maxRetries: 0, useResponsesApi: false }),
        guard,
        settings.chatModel,
      ),
    embeddings: {
      inner: new OpenAIEmbeddings({
        model: settings.embeddingModel,
        apiKey,
        configuration,
        maxRetries: 0,
        // plain floats: the SDK's default base64 encoding is an OpenAI extension many servers lack
        encodingFormat: 'float',
        dimensions: settings.requestDimensions ? settings.embeddingDimensions : undefined,
      }),
      model: settings.embeddingModel,
      dimensions: settings.embeddingDimensions,
      dimensionsVariable: 'OPENAI_EMBEDDING_DIMENSIONS',
    },
  });
}
