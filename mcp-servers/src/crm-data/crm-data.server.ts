import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { buildMcpServer } from '../framework/build-server.ts';
import type { McpServerDeps, ServerModule } from '../framework/server-module.ts';
import { registerDraftFollowUpEmailPrompt } from './prompts/draft-follow-up-email.prompt.ts';
import { registerQualifyLeadPrompt } from './prompts/qualify-lead.prompt.ts';
import { registerWeeklyPipelineReviewPrompt } from './prompts/weekly-pipeline-review.prompt.ts';
import { registerCrmDataResources } from './resources/crm-data.resources.ts';
import { crmDataTopics } from './resources/crm-data.topics.ts';
import { changeContactStatusTool } from './tools/change-contact-status.tool.ts';
import { completeFollowUpTool } from './tools/complete-follow-up.tool.ts';
import { createContactTool } from './tools/create-contact.tool.ts';
import { createFollowUpTool } from './tools/create-follow-up.tool.ts';
import { findDuplicateContactsTool } from './tools/find-duplicate-contacts.tool.ts';
import { getContactTimelineTool } from './tools/get-contact-timeline.tool.ts';
import { getContactTool } from './tools/get-contact.tool.ts';
import { importContactsTool } from './tools/import-contacts.tool.ts';
import { listInteractionsTool } from './tools/list-interactions.tool.ts';
import { listUsersTool } from './tools/list-users.tool.ts';
import { listFollowUpsTool } from './tools/list-follow-ups.tool.ts';
import { logInteractionTool } from './tools/log-interaction.tool.ts';
import { mergeContactsTool } from './tools/merge-contacts.tool.ts';
import { searchContactsTool } from './tools/search-contacts.tool.ts';
import { getCurrentUserTool } from './tools/get-current-user.tool.ts';
import { updateContactTool } from './tools/update-contact.tool.ts';
import { searchKnowledgeTool } from './tools/search-knowledge.tool.ts';
import { addDocumentTool } from './tools/add-document.tool.ts';
import { deleteDocumentTool } from './tools/delete-document.tool.ts';
import { listApprovalsTool } from './tools/list-approvals.tool.ts';
import { getApprovalTool } from './tools/get-approval.tool.ts';
import { decideApprovalTool } from './tools/decide-approval.tool.ts';
import { requestApprovalTool } from './tools/request-approval.tool.ts';
import { sendEmailTool } from './tools/send-email.tool.ts';

const INSTRUCTIONS =
  'CRM data of one tenant: contacts, their interactions (timeline) and follow-up tasks. ' +
  'Find people with search_contacts before creating or changing anything; ids are UUIDs. ' +
  'Errors come back as results with a code (VALIDATION_FAILED names the bad field, NOT_FOUND, CONFLICT, PERMISSION_DENIED). ' +
  'Every write is audited under the connected user, whose role limits what can be changed. ' +
  'Actions that wait for a human are in the approval queue (list_approvals, get_approval, decide_approval).';

export const crmDataModule: ServerModule = {
  name: 'crm-data',
  title: 'Agentic CRM data',
  instructions: INSTRUCTIONS,
  tools: [
    searchContactsTool,
    getContactTool,
    createContactTool,
    updateContactTool,
    changeContactStatusTool,
    logInteractionTool,
    getContactTimelineTool,
    listInteractionsTool,
    listFollowUpsTool,
    createFollowUpTool,
    completeFollowUpTool,
    sendEmailTool,
    findDuplicateContactsTool,
    mergeContactsTool,
    importContactsTool,
    searchKnowledgeTool,
    addDocumentTool,
    deleteDocumentTool,
    listApprovalsTool,
    getApprovalTool,
    decideApprovalTool,
    requestApprovalTool,
    getCurrentUserTool,
    listUsersTool,
  ],
  register(server, ctx) {
    registerCrmDataResources(server, ctx);
    registerQualifyLeadPrompt(server, ctx);
    registerDraftFollowUpEmailPrompt(server, ctx);
    registerWeeklyPipelineReviewPrompt(server, ctx);
  },
  topics: crmDataTopics,
};

/** The crm-data MCP server: contacts, interactions and follow-ups over the core services. */
export function createCrmDataServer(deps: McpServerDeps): McpServer {
  return buildMcpServer({ name: crmDataModule.name, title: crmDataModule.title, instructions: crmDataModule.instructions, modules: [crmDataModule] }, deps);
}
