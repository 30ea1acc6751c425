import type { Actor, CrmCore, Logger } from '@crm/core';
import { createServerByName } from '@crm/mcp-servers';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';

/**
 * The one way agents reach the CRM: an MCP client connected as `actor`, so the tools' own RBAC,
 * tenancy and audit apply. The runtime provides it (in-process transport locally, Streamable
 * HTTP when the servers run elsewhere); the caller closes the client it got.
 */
export type McpClientFactory = (actor: Actor) => Promise<Client>;

export interface InProcessClientOptions {
  core: CrmCore;
  logger?: Logger;
  /** Which server to connect to; default the combined `crm` server (every module's tools). */
  server?: string;
}

/**
 * An in-process factory over the SDK's linked in-memory transport. The core object is handed to
 * the MCP server untouched — agents never call it themselves (the lint rule keeps it that way).
 */
export function inProcessMcpClientFactory({ core, logger, server = 'crm' }: InProcessClientOptions): McpClientFactory {
  return async (actor) => {
    const mcp = createServerByName(server, { core, actor, ...(logger ? { logger } : {}) });
    const client = new Client({ name: 'crm-agents', version: '1.0.0' });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await Promise.all([mcp.connect(serverSide), client.connect(clientSide)]);
    const close = client.close.bind(client);
    client.close = async () => {
      await close();
      await mcp.close();
    };
    return client;
  };
}
