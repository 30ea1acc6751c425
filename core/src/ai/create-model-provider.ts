import type { GoogleAuthOptions } from 'google-auth-library';
import type { EmbeddingsProvider } from '../knowledge/local-embedder.ts';
import type { Logger } from '../logger.ts';
import { AiCallGuard } from './ai-call-guard.ts';
import { InMemoryAiUsageStore, type AiUsageStore } from './ai-usage.ts';
import { PostgresAiUsageStore } from './ai-usage.pg-store.ts';
import { createLocalModelProvider } from './local.provider.ts';
import { createUseEmbedder } from '../knowledge/use-embedder.ts';
import type { ModelProviderConfig } from './model-provider.config.ts';
import type { ModelProvider } from './model-provider.ts';
import { databaseOf, type DatabaseHandle } from '../db/database-handle.ts';

export interface ModelProviderDeps {
  /** Accounting in the `ai_usage` table of this database (default when given). */
  db?: DatabaseHandle;
  /** Any other accounting store; wins over `db`. Default without either: in-memory. */
  usage?: AiUsageStore;
  logger?: Logger;
  /** The `local` provider's embedder, e.g. one fitted to the indexed corpus. Default: a fresh LocalEmbedder. */
  localEmbedder?: EmbeddingsProvider;
  /** Extra google-auth-library options for Vertex AI (an `authClient`, `keyFile`, `clientOptions`). */
  vertexAuthOptions?: GoogleAuthOptions;
  /** Base fetch for the Ollama and OpenAI-compatible clients. */
  fetch?: typeof fetch;
  now?: () => number;
  /** Backoff sleep between attempts; injected by tests. */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The model provider `config.provider` names, with one circuit breaker and one accounting path
 * for all its remote calls. Budgets: `config.monthlyTokenBudget` per tenant per month, overridable
 * per tenant in `tenants.settings.ai.monthlyTokenBudget` (Postgres store). A remote provider's
 * SDK is imported only here, when it is selected: loading them all costs seconds at every start.
 */
export async function createModelProvider(config: ModelProviderConfig, deps: ModelProviderDeps = {}): Promise<ModelProvider> {
  const usage =
    deps.usage ??
    (deps.db
      ? new PostgresAiUsageStore(databaseOf(deps.db), { monthlyTokenBudget: config.monthlyTokenBudget, now: deps.now })
      : new InMemoryAiUsageStore({ monthlyTokenBudget: config.monthlyTokenBudget, now: deps.now }));
  if (config.provider === 'local') {
    // createUseEmbedder imports tfjs and the weights on the first embed, not here
    return createLocalModelProvider(usage, deps.localEmbedder ?? (config.localEmbedder === 'use' ? createUseEmbedder() : undefined));
  }

  const guard = new AiCallGuard({
    provider: config.provider,
    policy: config,
    usage,
    logger: deps.logger?.child({ component: 'ai', provider: config.provider }),
    now: deps.now,
    sleep: deps.sleep,
  });
  switch (config.provider) {
    case 'vertex': {
      const { createVertexModelProvider } = await import('./vertex.provider.ts');
      return createVertexModelProvider(config.vertex, guard, usage, deps.vertexAuthOptions);
    }
    case 'ollama': {
      const { createOllamaModelProvider } = await import('./ollama.provider.ts');
      return createOllamaModelProvider(config.ollama, guard, usage, deps.fetch);
    }
    case 'openai-compatible': {
      const { createOpenAiCompatibleModelProvider } = await import('./openai-compatible.provider.ts');
      return createOpenAiCompatibleModelProvider(config.openai, guard, usage, deps.fetch);
    }
  }
}
