import examples from './intents.examples.json' with { type: 'json' };
import { trainNaiveBayes, type NaiveBayes } from './naive-bayes.ts';

export type Intent = keyof typeof examples | 'owner_name' | 'no_revenue' | 'list_approvals' | 'decide_approval' | 'pipeline_status' | 'source_ranking' | 'rep_performance' | 'new_contacts' | 'deals_won' | 'stale_contacts' | 'response_time' | 'insights' | 'deal_outlook';
export type AgentName = 'crm' | 'scoring' | 'research' | 'insights';

export interface IntentSpec {
  /** The tools the intent needs; it is only planned when the model has them bound. */
  tools: readonly string[];
  agent: AgentName | undefined;
  needsContact: boolean;
  /** What the user asked for, for "I could not …" sentences. */
  verb: string;
}

export const INTENTS: Record<Intent, IntentSpec> = {
  contact_lookup: { tools: ['search_contacts'], agent: 'crm', needsContact: true, verb: 'look up the contact' },
  contact_history: { tools: ['search_contacts', 'get_contact_timeline'], agent: 'crm', needsContact: true, verb: 'read the timeline' },
  log_interaction: { tools: ['search_contacts', 'log_interaction'], agent: 'crm', needsContact: true, verb: 'log the interaction' },
  create_follow_up: { tools: ['search_contacts', 'create_follow_up'], agent: 'crm', needsContact: true, verb: 'create the follow-up' },
  list_follow_ups: { tools: ['list_follow_ups'], agent: 'crm', needsContact: false, verb: 'list follow-ups' },
  change_status: { tools: ['search_contacts', 'change_contact_status'], agent: 'crm', needsContact: true, verb: 'change the status' },
  count_contacts: { tools: ['search_contacts'], agent: 'crm', needsContact: false, verb: 'count contacts' },
  hot_leads: { tools: ['search_contacts', 'explain_score'], agent: 'scoring', needsContact: false, verb: 'rank the leads' },
  score_lead: { tools: ['search_contacts', 'explain_score'], agent: 'scoring', needsContact: true, verb: 'explain the score' },
  knowledge_question: { tools: ['search_knowledge'], agent: 'research', needsContact: false, verb: 'search the knowledge base' },
  draft_email: { tools: [], agent: undefined, needsContact: false, verb: 'write an email' },
  help: { tools: [], agent: undefined, needsContact: false, verb: 'help' },
  conversion_rate: { tools: ['get_metrics'], agent: 'insights', needsContact: false, verb: 'compute the conversion rate' },
  activity_trend: { tools: ['get_metrics'], agent: 'insights', needsContact: false, verb: 'count the interactions logged' },
  forecast: { tools: ['forecast'], agent: 'insights', needsContact: false, verb: 'forecast the daily counts' },
  contact_owner: { tools: ['search_contacts'], agent: 'crm', needsContact: true, verb: 'find who owns the contact' },
  // the owner's name: the user directory the assistant can read is the activity metric (user id → name)
  owner_name: { tools: ['get_metrics'], agent: 'insights', needsContact: false, verb: 'name the owner' },
  refuse_confidential: { tools: [], agent: undefined, needsContact: false, verb: 'share credentials or export data' },
  refuse_bulk: { tools: [], agent: undefined, needsContact: false, verb: 'act on every contact at once' },
  // decided by rule only (rules.ts): the CRM records no money, so the knowledge base's playbooks were quoted instead
  no_revenue: { tools: [], agent: undefined, needsContact: false, verb: 'report revenue' },
  // decided by rule only (rules.ts): the approval queue as the caller sees it (a rep: requests filed for them)
  list_approvals: { tools: ['list_approvals'], agent: 'crm', needsContact: false, verb: 'list the approvals waiting' },
  // decided by rule only: "approve 3f2a", "reject the second one" — the queue decides, with its role checks
  decide_approval: { tools: ['list_approvals', 'decide_approval'], agent: 'crm', needsContact: false, verb: 'decide the approval request' },
  // decided by rule only: contacts by status from get_metrics' pipeline group
  pipeline_status: { tools: ['get_metrics'], agent: 'insights', needsContact: false, verb: 'show the pipeline by status' },
  // decided by rule only: lead sources ranked by conversion rate (get_metrics' conversion group)
  source_ranking: { tools: ['get_metrics'], agent: 'insights', needsContact: false, verb: 'rank the lead sources' },
  // decided by rule only: one user's (or the team's) activity, conversion and open pipeline for a period
  // decided by rule only: contacts created in a past period (the overall conversion metric's sample), by source
  new_contacts: { tools: ['get_metrics', 'search_contacts'], agent: 'insights', needsContact: false, verb: 'list the new contacts' },
  // decided by rule only: contacts that became customers in a period (lead velocity's sample)
  deals_won: { tools: ['get_metrics'], agent: 'insights', needsContact: false, verb: 'count the customers won' },
  // decided by rule only: open leads and prospects not contacted for N days
  stale_contacts: { tools: ['search_contacts'], agent: 'crm', needsContact: false, verb: 'find the contacts gone quiet' },
  // decided by rule only: how fast inbound interactions are answered (get_metrics' response_time group)
  response_time: { tools: ['get_metrics'], agent: 'insights', needsContact: false, verb: 'measure the response time' },
  // decided by rule only: anomalies, significant trends and segment differences
  insights: { tools: ['generate_insights'], agent: 'insights', needsContact: false, verb: 'find what stands out' },
  // decided by rule only: quotas, targets, deals closing — what the CRM does not track, said plainly, with what it does
  deal_outlook: { tools: ['get_metrics', 'search_contacts'], agent: 'insights', needsContact: false, verb: 'report deals and targets' },
  rep_performance: { tools: ['get_metrics', 'search_contacts'], agent: 'insights', needsContact: false, verb: "report a rep's activity and pipeline" },
};

/** Below this posterior the planner says the request is beyond it rather than guess. */
export const MIN_CONFIDENCE = 0.3;

let classifier: NaiveBayes | undefined;

/** Trained once per process from the shipped examples (deterministic). */
export function intentClassifier(): NaiveBayes {
  classifier ??= trainNaiveBayes(examples);
  return classifier;
}

export const TRAINING_EXAMPLES: Readonly<Record<string, readonly string[]>> = examples;
