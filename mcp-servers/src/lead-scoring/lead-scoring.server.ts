import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { buildMcpServer } from '../framework/build-server.ts';
import type { McpServerDeps, ServerModule } from '../framework/server-module.ts';
import { registerLeadScoringResources } from './resources/lead-scoring.resources.ts';
import { explainScoreTool } from './tools/explain-score.tool.ts';
import { getModelInfoTool } from './tools/get-model-info.tool.ts';
import { retrainModelTool } from './tools/retrain-model.tool.ts';
import { scoreBatchTool } from './tools/score-batch.tool.ts';
import { scoreLeadTool } from './tools/score-lead.tool.ts';
import { whatIfTool } from './tools/what-if.tool.ts';

const INSTRUCTIONS =
  'Explainable lead scores (0-100) for the tenant: score_lead for a stored contact or for lead data not in the CRM, ' +
  'explain_score for why and what would help, what_if to compare achievable actions, score_batch for many contacts, ' +
  'get_model_info for the model behind the scores, retrain_model to retrain (activated only when it beats the active model) and rescore. Scores come from the tenant\'s own trained model, or from documented ' +
  'rules until enough outcomes exist (source says which); factor weights add up, with the base, to the model output.';

export const leadScoringModule: ServerModule = {
  name: 'lead-scoring',
  title: 'Agentic CRM lead scoring',
  instructions: INSTRUCTIONS,
  tools: [scoreLeadTool, explainScoreTool, whatIfTool, scoreBatchTool, getModelInfoTool, retrainModelTool],
  register(server, ctx) {
    registerLeadScoringResources(server, ctx);
  },
};

/** The lead-scoring MCP server over the core's scoring service. */
export function createLeadScoringServer(deps: McpServerDeps): McpServer {
  const m = leadScoringModule;
  return buildMcpServer({ name: m.name, title: m.title, instructions: m.instructions, modules: [m] }, deps);
}
