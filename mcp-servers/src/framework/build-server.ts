import { silentLogger } from '@crm/core/contracts';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { sharedChangeFeed } from './change-feed.ts';
import { installTools } from './install-tools.ts';
import { reportInvalidParams } from './json-rpc-params.ts';
import { guardRequestParams } from './request-guards.ts';
import type { McpServerDeps, ModuleContext, ServerModule } from './server-module.ts';
import { installSubscriptions, type TenantRef } from './subscriptions.ts';
import { actorFrom, progressOf, type Extra, type ToolContext } from './tool-context.ts';

export const SERVER_VERSION = '0.1.0';

export interface ServerSpec {
  name: string;
  title: string;
  instructions: string;
  modules: readonly ServerModule[];
}

/**
 * Build one McpServer from modules: every module's tools, resources and prompts, plus
 * subscriptions when a module supports them. Closing the server detaches it from the change feed.
 */
export function buildMcpServer(spec: ServerSpec, deps: McpServerDeps): McpServer {
  const logger = (deps.logger ?? silentLogger()).child({ mcpServer: spec.name });
  const server = new McpServer(
    { name: spec.name, title: spec.title, version: SERVER_VERSION },
    {
      capabilities: { tools: { listChanged: true }, resources: { subscribe: true, listChanged: true }, prompts: { listChanged: true } },
      instructions: spec.instructions,
    },
  );
  const tenant: TenantRef = { tenantId: deps.actor?.tenantId };
  const context = (extra?: Extra): ToolContext => {
    const actor = actorFrom(extra, deps.actor);
    tenant.tenantId ??= actor.tenantId;
    const progress = progressOf(extra);
    return { actor, core: deps.core, logger, signal: extra?.signal, ...(progress ? { progress } : {}) };
  };
  const moduleCtx: ModuleContext = { deps, logger, context };

  installTools(server, spec.modules.flatMap((m) => m.tools), context, logger);
  for (const module of spec.modules) module.register?.(server, moduleCtx);

  const topics = spec.modules.flatMap((m) => (m.topics ? [m.topics] : []));
  if (topics.length) {
    const detach = installSubscriptions(server, topics, deps.changeFeed ?? sharedChangeFeed(deps.core, logger), moduleCtx, tenant, logger);
    const previous = server.server.onclose;
    server.server.onclose = () => {
      previous?.();
      detach();
    };
  }
  guardRequestParams(server);
  reportInvalidParams(server);
  return server;
}
