import { AsyncLocalStorageProviderSingleton, _CONTEXT_VARIABLES_KEY } from '@langchain/core/singletons';

/** Where LangChain keeps a runnable's config in its async-local store (`getConfig()`, `interrupt()` read it). */
const LC_CHILD_KEY = Symbol.for('lc:child_config');
const TRACING_ENV = ['LANGSMITH_TRACING_V2', 'LANGCHAIN_TRACING_V2', 'LANGSMITH_TRACING', 'LANGCHAIN_TRACING'] as const;

const hasHandlers = (callbacks: unknown): boolean => {
  if (!callbacks) return false;
  if (Array.isArray(callbacks)) return callbacks.length > 0;
  const m = callbacks as { handlers?: unknown[]; inheritableHandlers?: unknown[] };
  return (m.handlers?.length ?? 0) > 0 || (m.inheritableHandlers?.length ?? 0) > 0;
};

let installed: boolean | undefined;

/** Whether the lean path may be used: none of LangSmith's tracing switches is on. */
export const leanRunContextAllowed = (env: NodeJS.ProcessEnv): boolean => !TRACING_ENV.some((name) => env[name] === 'true');

/**
 * LangChain runs every graph node, channel write and edge router inside
 * `AsyncLocalStorageProviderSingleton.runWithConfig`, which builds a CallbackManager and a LangSmith
 * `RunTree` (uuid7, timestamps, ~20 property definitions, environment lookups) each time — even
 * with tracing off, where the tree only carries the config for `getConfig()`/`interrupt()`. That
 * was ~8 % of a workflow worker's CPU per durable step (profiled, 2026-11-29).
 *
 * With tracing off (none of LangSmith's tracing variables is "true" when this is installed), and
 * for calls with no callback handlers and no LangChain context variables in scope, this stores the
 * same config in a plain object instead; every other call (a tracer, callbacks, context
 * variables or configure hooks) goes to LangChain's own code unchanged. Process-wide and
 * idempotent; returns whether the lean path is on.
 */
export function installLeanRunContext(env: NodeJS.ProcessEnv = process.env): boolean {
  if (installed !== undefined) return installed;
  installed = leanRunContextAllowed(env);
  if (!installed) return false;
  const provider = AsyncLocalStorageProviderSingleton;
  const original = provider.runWithConfig.bind(provider);
  provider.runWithConfig = function runWithConfig<T>(config: { callbacks?: unknown } | undefined, callback: () => T, avoidCreatingRootRunTree?: boolean): T {
    const storage = provider.getInstance();
    const previous = storage.getStore() as Record<symbol, unknown> | undefined;
    if (hasHandlers(config?.callbacks) || (previous !== undefined && previous[_CONTEXT_VARIABLES_KEY] !== undefined)) {
      return original(config, callback, avoidCreatingRootRunTree);
    }
    return storage.run(avoidCreatingRootRunTree ? undefined : { extra: { [LC_CHILD_KEY]: config } }, callback);
  };
  return true;
}
