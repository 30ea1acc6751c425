// Public API of the model provider port: configuration, the provider factory, the call guard
// (timeouts, retries, circuit breaker, per-tenant budget) and usage accounting.
export {
  ModelProviderConfig,
  loadModelProviderConfig,
  MODEL_PROVIDER_KINDS,
  KNOWN_EMBEDDING_DIMENSIONS,
} from './model-provider.config.ts';
export type {
  ModelProviderKind,
  AiCallPolicy,
  AiPricing,
  VertexSettings,
  OllamaSettings,
  OpenAiCompatibleSettings,
} from './model-provider.config.ts';
export type { ModelProvider } from './model-provider.ts';
export { createModelProvider } from './create-model-provider.ts';
export type { ModelProviderDeps } from './create-model-provider.ts';
export { AiCallGuard, withAiTenant, currentAiTenant, attemptAwareFetch, providerErrorStatus } from './ai-call-guard.ts';
export type { AiCall, AiCallGuardOptions } from './ai-call-guard.ts';
export { GuardedEmbeddings } from './guarded-embeddings.ts';
export type { GuardedEmbeddingsOptions } from './guarded-embeddings.ts';
export { InMemoryAiUsageStore, usagePeriod, estimateTokens, costOf } from './ai-usage.ts';
export type { AiUsage, AiUsageStore, AiUsageStoreOptions, AiUsageSummary, BudgetStatus, TokenCount } from './ai-usage.ts';
export { PostgresAiUsageStore } from './ai-usage.pg-store.ts';
export { CircuitBreaker, withRetry, withTimeout, resilientCall, isRetryable, TimeoutError } from './resilience.ts';
export type { RetryOptions, CircuitBreakerOptions, BreakerState } from './resilience.ts';
