import { createAssistant, createCheckpointer, inProcessMcpClientFactory, LocalPlannerChatModel, type Assistant } from '@crm/agents';
import type { Service } from './service.ts';
import { tenantZoneOf } from './tenant-zone.ts';
import type { Runtime } from './runtime.ts';

export interface RuntimeAssistant {
  assistant: Assistant;
  /** `local` (the offline planner) or the configured provider's chat model. */
  model: string;
  /** Closes the conversation store if a turn opened it. */
  close(): Promise<void>;
}

/**
 * The sales assistant the running product uses (`crm chat`, REST chat, /ws): the configured
 * provider's chat model (CRM_MODEL_PROVIDER=vertex|ollama|openai-compatible; the offline planner
 * for `local`), the tools through in-process MCP clients as the acting user, and durable threads
 * in the CRM's own database (PostgreSQL, or the embedded PGlite over its socket), opened on the
 * first turn.
 */
export function createRuntimeAssistant(runtime: Runtime): RuntimeAssistant {
  const { core, logger } = runtime;
  const remote = runtime.provider.chat();
  let opened: Promise<Awaited<ReturnType<typeof createCheckpointer>>> | undefined;
  const assistant = createAssistant({
    model: remote ?? new LocalPlannerChatModel(),
    mcpClientFactory: inProcessMcpClientFactory({ core, logger }),
    timeZoneOf: tenantZoneOf(core),
    logger,
    checkpointer: () => (opened ??= createCheckpointer({ url: core.db.url, kind: core.db.kind, logger: logger.child({ component: 'conversations' }) }).catch((err) => {
      opened = undefined;
      throw err;
    })),
  });
  return {
    assistant,
    model: remote ? runtime.providerStatus.active : 'local',
    async close() {
      const c = await opened?.catch(() => undefined);
      opened = undefined;
      await c?.close();
    },
  };
}

/** The assistant as a runtime service: built at once, its conversation store closed on stop. */
export function addAssistantService(runtime: Runtime): RuntimeAssistant {
  const ra = createRuntimeAssistant(runtime);
  const service: Service = { name: 'assistant', optional: true, start: async () => {}, stop: () => ra.close() };
  runtime.addService(service);
  return ra;
}
