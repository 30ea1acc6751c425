import type { Actor, CrmCore, Logger } from '@crm/core';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';

/** The combined server (`COMBINED_SERVER` of @crm/mcp-servers), named here so start-up does not load the servers. */
const COMBINED_SERVER = 'crm';

/** An MCP client connected in-process to one server, acting as one actor (the tools' own RBAC applies). */
export type McpClientFactory = (actor: Actor, server?: string) => Promise<Client>;

/**
 * The agents' in-process factory, per server: one implementation for the runtime, chat and
 * workflows. `@crm/agents` (LangGraph, LangChain) loads on the first client, not at start-up.
 */
export function createInProcessMcpClients(core: CrmCore, logger: Logger): McpClientFactory {
  const byServer = new Map<string, Promise<(actor: Actor) => Promise<Client>>>();
  return async (actor, server = COMBINED_SERVER) => {
    let factory = byServer.get(server);
    if (!factory) {
      factory = import('@crm/agents').then(({ inProcessMcpClientFactory }) =>
        inProcessMcpClientFactory({ core, logger: logger.child({ component: 'mcp-in-process', server }), server }),
      );
      byServer.set(server, factory);
    }
    return (await factory)(actor);
  };
}
