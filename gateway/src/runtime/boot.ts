import type { CrmConfig, CrmCore, Logger } from '@crm/core';
import { processConfig } from './process-config.ts';
import { createRuntime, type Runtime } from './runtime.ts';

export { readRunningServer, writeRunningServer } from './running-server.ts';

export { processConfig } from './process-config.ts';

export interface Booted {
  config: CrmConfig;
  core: CrmCore;
  runtime: Runtime;
  /** True when this process owns the embedded database (no DATABASE_URL and no running owner, or it took the folder over). */
  ownsEmbedded: boolean;
  close(): Promise<void>;
}

/** A runtime for a one-shot command (no provider probe, services not started). */
export async function bootCore(logger: Logger, options: { server?: boolean } = {}): Promise<Booted> {
  const runtime = await createRuntime(processConfig(), { logger, server: options.server });
  return {
    config: runtime.config,
    core: runtime.core,
    runtime,
    get ownsEmbedded() {
      return runtime.ownsEmbedded;
    },
    close: () => runtime.stop(),
  };
}

export { describeError } from '../cli/describe-error.ts';
