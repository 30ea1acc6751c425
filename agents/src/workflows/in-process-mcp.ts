import type { CrmCore } from '@crm/core';
import { inProcessMcpClientFactory, type McpClientFactory } from '../tools/mcp-client-factory.ts';

/**
 * The workflow worker's MCP client in tests and benchmarks: the agents' one in-process factory,
 * connected to the crm-data server (the tools workflow steps call).
 */
export function inProcessMcp(core: CrmCore, serverName = 'crm-data'): McpClientFactory {
  return inProcessMcpClientFactory({ core, server: serverName });
}
