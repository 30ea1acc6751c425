import { startAuthCache } from '@crm/core';
import type { Runtime } from './runtime.ts';

/**
 * The gateway's cache of resolved API keys (AUTH_CACHE_SECONDS; 0 = off): a request with a
 * known key then costs no database round trip for authentication. It is trusted only while the
 * process LISTENs for key and user changes (migration 0240), so a revocation, expiry change,
 * deactivation or role change made by any process or replica applies to the next request.
 */
export function addAuthCache(runtime: Runtime): void {
  const seconds = runtime.config.authEnv.AUTH_CACHE_SECONDS;
  if (seconds <= 0) return;
  let stop: (() => Promise<void>) | undefined;
  runtime.addService({
    name: 'auth-cache',
    optional: true,
    async start() {
      stop = startAuthCache(runtime.core.db, runtime.logger.child({ component: 'auth-cache' }), seconds).stop;
    },
    async stop() {
      await stop?.();
    },
  });
}
