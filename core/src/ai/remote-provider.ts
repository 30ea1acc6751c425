import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { Embeddings } from '@langchain/core/embeddings';
import type { AiCallGuard } from './ai-call-guard.ts';
import type { AiUsageStore } from './ai-usage.ts';
import { GuardedEmbeddings } from './guarded-embeddings.ts';
import type { ModelProvider } from './model-provider.ts';
import type { ModelProviderKind } from './model-provider.config.ts';

export interface RemoteProviderParts {
  id: string;
  kind: Exclude<ModelProviderKind, 'local'>;
  guard: AiCallGuard;
  usage: AiUsageStore;
  /** Built on first use: constructing some clients resolves credentials. */
  chat: () => BaseChatModel;
  embeddings: { inner: Embeddings; model: string; dimensions: number; dimensionsVariable: string };
}

/** Assemble a remote provider from its guarded chat model and embeddings. */
export function remoteModelProvider(parts: RemoteProviderParts): ModelProvider {
  let chat: BaseChatModel | undefined;
  const embeddings = new GuardedEmbeddings({
    id: `${parts.kind}:${parts.embeddings.model}:${parts.embeddings.dimensions}`,
    dimensions: parts.embeddings.dimensions,
    model: parts.embeddings.model,
    dimensionsVariable: parts.embeddings.dimensionsVariable,
    inner: parts.embeddings.inner,
    guard: parts.guard,
  });
  return {
    id: parts.id,
    kind: parts.kind,
    chat: () => (chat ??= parts.chat()),
    embeddings,
    embeddingsFor: (tenantId) => embeddings.forTenant(tenantId),
    usage: parts.usage,
    breakerState: () => parts.guard.breaker.state,
  };
}
