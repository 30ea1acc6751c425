import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { buildMcpServer } from '../framework/build-server.ts';
import type { McpServerDeps, ServerModule } from '../framework/server-module.ts';
import { registerDesignWorkflowPrompt } from './design-workflow.prompt.ts';
import { activateWorkflowTool } from './tools/activate-workflow.tool.ts';
import { cancelExecutionTool } from './tools/cancel-execution.tool.ts';
import { completeWorkflowStepTool } from './tools/complete-workflow-step.tool.ts';
import { createWorkflowTool } from './tools/create-workflow.tool.ts';
import { deactivateWorkflowTool } from './tools/deactivate-workflow.tool.ts';
import { dryRunWorkflowTool } from './tools/dry-run-workflow.tool.ts';
import { executeWorkflowTool } from './tools/execute-workflow.tool.ts';
import { getExecutionTool } from './tools/get-execution.tool.ts';
import { getWorkflowTool } from './tools/get-workflow.tool.ts';
import { installTemplateTool } from './tools/install-template.tool.ts';
import { listExecutionsTool } from './tools/list-executions.tool.ts';
import { listMailboxTool } from './tools/list-mailbox.tool.ts';
import { listTemplatesTool } from './tools/list-templates.tool.ts';
import { listWorkflowsTool } from './tools/list-workflows.tool.ts';
import { rotateWebhookSecretTool } from './tools/rotate-webhook-secret.tool.ts';
import { updateWorkflowTool } from './tools/update-workflow.tool.ts';
import { getTenantSettingsTool } from './tools/get-tenant-settings.tool.ts';
import { updateTenantSettingsTool } from './tools/update-tenant-settings.tool.ts';
import { registerWorkflowResources } from './workflow.resources.ts';
import { registerMailboxResources } from './mailbox.resources.ts';

const INSTRUCTIONS =
  'Automations of the tenant: a workflow is a trigger (contact created, status changed, interaction logged, lead score changed, ' +
  'schedule, manual, webhook) plus steps (send email, create task, update contact, AI decision, wait, webhook call, assign user). ' +
  'Use list_templates/install_template for common ones, design_workflow to draft one, dry_run_workflow to see who would enter and what ' +
  'would be sent before activate_workflow. Executions are durable; get_execution shows every step attempt; complete_workflow_step records a failed step as done by hand; cancel_execution stops one that has not ended. ' +
  'get_tenant_settings/update_tenant_settings (ADMIN) read and switch the tenant policies (activation needs approval, approval emails).';

export const workflowModule: ServerModule = {
  name: 'workflow',
  title: 'Agentic CRM workflows',
  instructions: INSTRUCTIONS,
  tools: [
    listWorkflowsTool,
    getWorkflowTool,
    createWorkflowTool,
    updateWorkflowTool,
    activateWorkflowTool,
    deactivateWorkflowTool,
    rotateWebhookSecretTool,
    dryRunWorkflowTool,
    executeWorkflowTool,
    getExecutionTool,
    completeWorkflowStepTool,
    cancelExecutionTool,
    listExecutionsTool,
    listTemplatesTool,
    installTemplateTool,
    listMailboxTool,
    getTenantSettingsTool,
    updateTenantSettingsTool,
  ],
  register(server, ctx) {
    registerWorkflowResources(server, ctx);
    registerMailboxResources(server, ctx);
    registerDesignWorkflowPrompt(server, ctx);
  },
};

/** The workflow MCP server over the core's workflow service. */
export function createWorkflowServer(deps: McpServerDeps): McpServer {
  const m = workflowModule;
  return buildMcpServer({ name: m.name, title: m.title, instructions: m.instructions, modules: [m] }, deps);
}
