import { createModelProvider, InMemoryAiUsageStore, type Database, type Logger, type ModelProvider, type CrmConfig } from '@crm/core';

export interface ProviderStatus {
  /** What the configuration asks for. */
  configured: string;
  /** What answers requests: the configured provider, or `local` after a failed start-up probe. */
  active: string;
  status: 'ok' | 'degraded';
  reason?: string;
}

const PROBE_TENANT = '00000000-0000-0000-0000-000000000000';

/**
 * The configured model provider. With `probe`, a remote provider must answer one small embedding
 * call at start; if it does not, the offline local provider answers instead (for this process),
 * the reason is logged and health reports the provider as degraded.
 */
export async function selectModelProvider(config: CrmConfig, deps: { db: Database; logger: Logger; probe: boolean }): Promise<{ provider: ModelProvider; status: ProviderStatus }> {
  const mp = config.modelProvider;
  const provider = await createModelProvider(mp, { db: deps.db, logger: deps.logger });
  if (mp.provider === 'local' || !deps.probe) {
    return { provider, status: { configured: provider.id, active: provider.id, status: 'ok' } };
  }
  // a separate instance with in-memory accounting: the probe belongs to no tenant and must not trip the real breaker
  const probeConfig = { ...mp, maxAttempts: 1, timeoutMs: Math.min(mp.timeoutMs, 5_000) };
  const prober = await createModelProvider(probeConfig, { usage: new InMemoryAiUsageStore(), logger: deps.logger });
  try {
    await prober.embeddingsFor(PROBE_TENANT).embedQuery('health check');
    return { provider, status: { configured: provider.id, active: provider.id, status: 'ok' } };
  } catch (err) {
    const reason = `${mp.provider} did not answer at start (${(err as Error).message.slice(0, 200)})`;
    deps.logger.warn({ provider: provider.id, err }, `model provider unreachable: ${reason}; the offline local provider answers instead`);
    const local = await createModelProvider({ ...mp, provider: 'local' }, { db: deps.db, logger: deps.logger });
    return { provider: local, status: { configured: provider.id, active: local.id, status: 'degraded', reason } };
  }
}
