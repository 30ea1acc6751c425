import { startApiKeyCache } from '@crm/core';
import type { Runtime } from './runtime.ts';

/**
 * The gateway's cache of resolved API keys (API_KEY_CACHE_SECONDS; 0 = off): a request with a
 * known key then costs no database round trip for authentication. It is trusted only while the
 * process LISTENs for key and user changes (migration 0240), so a revocation, expiry change,
 * deactivation or role change made by any process or replica applies to the next request.
 */
export function addApiKeyCache(runtime: Runtime): void {
  const seconds = runtime.config.authEnv.API_KEY_CACHE_SECONDS;
  if (seconds <= 0) return;
  let stop: (() => Promise<void>) | undefined;
  runtime.addService({
    name: 'api-key-cache',
    optional: true,
    async start() {
      stop = startApiKeyCache(runtime.core.db, runtime.logger.child({ component: 'api-key-cache' }), seconds).stop;
    },
    async stop() {
      await stop?.();
    },
  });
}
