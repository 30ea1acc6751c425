import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ReadResourceResult } from '@modelcontextprotocol/sdk/types.js';
import { toJsonValue } from '../framework/json.ts';
import { guarded, guardedList } from '../framework/mcp-errors.ts';
import type { ModuleContext } from '../framework/server-module.ts';

export const workflowUri = (id: string) => `crm://workflows/${id}`;
export const executionUri = (id: string) => `crm://executions/${id}`;

const json = (uri: string, value: unknown): ReadResourceResult => ({
  contents: [{ uri, mimeType: 'application/json', text: JSON.stringify(toJsonValue(value)) }],
});
const variable = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? '';

/** crm://workflows/{id} (definition + stats) and crm://executions/{id} (status + step attempts). */
export function registerWorkflowResources(server: McpServer, ctx: ModuleContext): void {
  const { logger } = ctx;
  server.registerResource(
    'workflow',
    new ResourceTemplate('crm://workflows/{id}', {
      list: guardedList(logger, async (extra) => {
        const { actor, core } = ctx.context(extra);
        const workflows = await core.workflows.list(actor, { limit: 100 });
        return { resources: workflows.map((w) => ({ uri: workflowUri(w.id), name: w.name, title: `${w.name} v${w.version}`, mimeType: 'application/json' })) };
      }),
    }),
    { title: 'Workflow', description: 'A workflow definition (trigger, steps, variables), its version and execution statistics.', mimeType: 'application/json' },
    guarded(logger, 'resources/read', async (uri, vars, extra) => {
      const { actor, core } = ctx.context(extra);
      return json(uri.href, await core.workflows.get(actor, variable(vars.id)));
    }),
  );
  server.registerResource(
    'execution',
    new ResourceTemplate('crm://executions/{id}', { list: undefined }),
    { title: 'Workflow execution', description: 'One execution: status, input, output, error and every step attempt.', mimeType: 'application/json' },
    guarded(logger, 'resources/read', async (uri, vars, extra) => {
      const { actor, core } = ctx.context(extra);
      return json(uri.href, await core.workflows.getExecution(actor, variable(vars.id)));
    }),
  );
}
