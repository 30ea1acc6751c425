import type { Runtime } from './runtime.ts';
import type { Service } from './service.ts';

/**
 * At start, bring every tenant's knowledge-base vectors up to the configured embeddings model, in
 * the background: after CRM_MODEL_PROVIDER (or the model) changed, each tenant is re-embedded once,
 * and search answers from full text until its new vectors are in. Stopping pauses it; the next
 * start resumes (a tenant counts as done only when all its vectors are written).
 */
export function knowledgeRefreshService(runtime: Runtime): Service {
  const stop = new AbortController();
  let run: Promise<unknown> | undefined;
  const { logger } = runtime;
  return {
    name: 'knowledge-refresh',
    optional: true,
    async start() {
      run = runtime.core.knowledge
        .refreshAll({ signal: stop.signal })
        .then((r) => r.reembedded && logger.info({ ...r }, 'knowledge bases re-embedded with the configured embeddings model'))
        .catch((err) => (stop.signal.aborted ? undefined : logger.warn({ err }, 're-embedding the knowledge bases did not finish; the next start resumes it')));
    },
    halt: () => stop.abort(),
    async stop() {
      stop.abort();
      await run;
    },
  };
}
