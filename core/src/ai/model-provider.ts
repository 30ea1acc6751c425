import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { EmbeddingsProvider } from '../knowledge/local-embedder.ts';
import type { AiUsageStore } from './ai-usage.ts';
import type { ModelProviderKind } from './model-provider.config.ts';
import type { BreakerState } from './resilience.ts';

/**
 * The model port: a LangChain chat model with tool calling (`bindTools`) and an embeddings
 * provider, behind one of Vertex AI, Ollama, an OpenAI-compatible server or the offline `local`
 * provider. Every remote call goes through the provider's guard (timeout, retries, circuit
 * breaker, per-tenant budget and usage accounting).
 */
export interface ModelProvider {
  /** Identifies the provider instance, e.g. `vertex:my-project/us-central1`, `ollama:http://127.0.0.1:11434`. */
  readonly id: string;
  readonly kind: ModelProviderKind;
  /**
   * The chat model (one instance per provider; tenant per call from `configurable.tenantId` or
   * `withAiTenant`). `undefined` for `local`: the offline chat model ships with the agents, and
   * nothing here may pretend deterministic output came from an LLM.
   */
  chat(): BaseChatModel | undefined;
  /** Embeddings accounted to the tenant of the surrounding `withAiTenant` scope. */
  readonly embeddings: EmbeddingsProvider;
  /** Embeddings accounted to `tenantId`, for services that hold an actor rather than a scope. */
  embeddingsFor(tenantId: string): EmbeddingsProvider;
  /** The accounting store: usage per tenant and month, budget status. */
  readonly usage: AiUsageStore;
  /** Circuit state of the remote service (`closed` for `local`), for health endpoints. */
  breakerState(): BreakerState;
}
