import { AppError } from '@crm/core/contracts';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { crmDataModule } from './crm-data/crm-data.server.ts';
import { buildMcpServer } from './framework/build-server.ts';
import { leadScoringModule } from './lead-scoring/lead-scoring.server.ts';
import { workflowModule } from './workflow/workflow.server.ts';
import { insightsModule } from './insights/insights.server.ts';
import type { McpServerDeps, ServerModule } from './framework/server-module.ts';

/**
 * Every MCP server module, in the order the combined server registers them. A new server
 * (lead-scoring, insights, workflow) adds its module here and is then served by
 * `crm mcp <name>`, by `/mcp/<name>` over HTTP and as part of the combined `crm` server.
 */
export const SERVER_MODULES: readonly ServerModule[] = [crmDataModule, leadScoringModule, insightsModule, workflowModule];

export const COMBINED_SERVER = 'crm';

export function serverNames(): string[] {
  return [COMBINED_SERVER, ...SERVER_MODULES.map((m) => m.name)];
}

/** One connection with every server's tools, resources and prompts. */
export function createCombinedServer(deps: McpServerDeps): McpServer {
  return buildMcpServer(
    {
      name: COMBINED_SERVER,
      title: 'Agentic CRM',
      instructions: SERVER_MODULES.map((m) => `${m.title}: ${m.instructions}`).join('\n\n'),
      modules: SERVER_MODULES,
    },
    deps,
  );
}

/** The server named on a command line or in a URL path. */
export function createServerByName(name: string, deps: McpServerDeps): McpServer {
  if (name === COMBINED_SERVER) return createCombinedServer(deps);
  const module = SERVER_MODULES.find((m) => m.name === name);
  if (!module) {
    throw new AppError('VALIDATION_FAILED', `Unknown MCP server "${name}"`, { details: [{ path: 'server', reason: `must be one of ${serverNames().join(', ')}` }] });
  }
  return buildMcpServer({ name: module.name, title: module.title, instructions: module.instructions, modules: [module] }, deps);
}
