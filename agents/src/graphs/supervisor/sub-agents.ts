/** A sub-agent: what the supervisor reads to route, and the tools it may see. */
export interface SubAgentSpec {
  name: string;
  description: string;
  tools: readonly string[];
}

/**
 * Sub-agents get only the tools that exist: an agent whose tools no connected server offers is
 * left out of routing (insights and workflows join when those servers land).
 */
export const SUB_AGENTS: readonly SubAgentSpec[] = [
  {
    name: 'crm',
    description: 'Contacts, their interactions (timeline), follow-up tasks, statuses, counts of contacts, the approval requests waiting and deciding them.',
    tools: ['get_current_user', 'search_contacts', 'get_contact', 'create_contact', 'update_contact', 'change_contact_status', 'log_interaction', 'get_contact_timeline', 'list_follow_ups', 'create_follow_up', 'complete_follow_up', 'find_duplicate_contacts', 'merge_contacts', 'send_email', 'list_approvals', 'decide_approval', 'list_interactions', 'list_users'],
  },
  {
    name: 'scoring',
    description: 'Lead scores: hottest leads, why a lead scores as it does, what would raise it.',
    tools: ['get_current_user', 'search_contacts', 'score_lead', 'explain_score', 'what_if', 'score_batch', 'get_model_info'],
  },
  {
    name: 'research',
    description: 'Questions answered from the knowledge base (packages, pricing, playbooks, case studies) and logged notes, with citations.',
    tools: ['search_knowledge', 'search_contacts', 'get_contact_timeline'],
  },
  {
    name: 'insights',
    description: "Pipeline analytics: metrics, the pipeline by status, conversion rates and lead sources, a rep's or the team's activity, trends, anomalies, forecasts, customer journeys.",
    tools: ['get_current_user', 'get_metrics', 'search_contacts', 'generate_insights', 'detect_anomalies', 'forecast', 'analyze_customer_journey', 'list_interactions', 'get_contact', 'list_users'],
  },
  {
    name: 'workflows',
    description: 'Automation workflows: list, templates, dry runs, activation, executions.',
    tools: ['list_workflows', 'get_workflow', 'list_templates', 'dry_run_workflow', 'create_workflow', 'install_template', 'activate_workflow', 'deactivate_workflow', 'execute_workflow', 'get_execution', 'list_executions'],
  },
];

export function availableAgents(toolNames: ReadonlySet<string>): SubAgentSpec[] {
  return SUB_AGENTS.map((a) => ({ ...a, tools: a.tools.filter((t) => toolNames.has(t)) })).filter((a) => a.tools.length > 0);
}

/** Handoff tools in the OpenAI function format every chat model binds. */
export function handoffTools(agents: readonly SubAgentSpec[]) {
  return agents.map((a) => ({
    type: 'function' as const,
    function: {
      name: `transfer_to_${a.name}`,
      description: `Hand the request to the ${a.name} agent: ${a.description}`,
      parameters: {
        type: 'object',
        properties: {
          request: { type: 'string', description: 'What the agent should do' },
          // research can be scoped to one contact's record and notes (plus the knowledge base)
          ...(a.name === 'research' ? { contactId: { type: 'string', description: "Optional: the id (UUID) of the contact whose record and notes to search, besides the knowledge base; other contacts' notes are then left out" } } : {}),
        },
        required: ['request'],
      },
    },
  }));
}
