import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { callToolData } from '../tools/call-tool.ts';

/**
 * The rescoring agent: per tenant, as the tenant's system actor, through the lead-scoring MCP tools
 * only. It asks the scoring service to retrain (the service decides: cold start, unchanged when too
 * few new outcomes exist, activated when the candidate beats the active model on held-out outcomes,
 * else rejected), then rescores every contact — also when the model stayed, since scores drift with
 * time (recency, quiet days) and events only rescore the contacts they touch — and reports what it
 * did: model version before and after, the decision and its reason, how many stored scores changed
 * and the biggest movers. Every number in the report is copied from a tool result.
 */
export interface RescoringAgentReport {
  decision: 'cold_start' | 'unchanged' | 'activated' | 'rejected';
  reason: string;
  /** The active model version before and after the run (null: the cold-start rules score leads). */
  modelVersionBefore: number | null;
  modelVersionAfter: number | null;
  /** The version this run trained, when it trained one (active or rejected). */
  trainedVersion: number | null;
  labelledOutcomes: number;
  scored: number;
  scoresChanged: number;
  source: string | null;
  movers: { contactId: string; name: string | null; from: number; to: number; delta: number }[];
}

interface ModelInfo {
  source: 'model' | 'rules';
  model: { version: number } | null;
}
interface RetrainOut {
  status: RescoringAgentReport['decision'];
  reason: string;
  labelled_outcomes: number;
  model: { version: number; status: string } | null;
  rescored: { scored: number; changed: number; source: string; model_version: number | null; movers: { contact_id: string; from: number; to: number; delta: number }[] } | null;
}

export interface RescoringAgentOptions {
  /** 'always' (default): rescore every contact even when the model stays; 'if_activated': only after a new model. */
  rescore?: 'always' | 'if_activated';
  /** Ends the run (the process is stopping): the retrain's training thread is ended, nothing is kept. */
  signal?: AbortSignal;
  /**
   * How long the retrain may go without an answer or a progress report (default 15 minutes). A
   * tenant's retrain is minutes of work on a busy machine — the MCP SDK's default of 60 s failed a
   * first `crm start` that was still indexing the demo knowledge base beside it.
   */
  retrainTimeoutMs?: number;
}

const RETRAIN_TIMEOUT_MS = 15 * 60_000;

export async function runRescoringAgent(clientFor: () => Promise<Client>, options: RescoringAgentOptions = {}): Promise<RescoringAgentReport> {
  const client = await clientFor();
  const activeVersion = (i: ModelInfo) => (i.source === 'model' ? (i.model?.version ?? null) : null);
  const signal = options.signal ? { signal: options.signal } : {};
  const before = await callToolData<ModelInfo>(client, 'get_model_info', {}, signal);
  const r = await callToolData<RetrainOut>(client, 'retrain_model', { rescore: options.rescore ?? 'always' }, { ...signal, timeoutMs: options.retrainTimeoutMs ?? RETRAIN_TIMEOUT_MS });
  const after = await callToolData<ModelInfo>(client, 'get_model_info', {}, signal);
  const movers: RescoringAgentReport['movers'] = [];
  for (const m of r.rescored?.movers ?? []) {
    // names make the report readable; a contact deleted meanwhile keeps only its id
    const c = await callToolData<{ firstName: string; lastName: string }>(client, 'get_contact', { id: m.contact_id }).catch(() => null);
    movers.push({ contactId: m.contact_id, name: c ? `${c.firstName} ${c.lastName}`.trim() : null, from: m.from, to: m.to, delta: m.delta });
  }
  return {
    decision: r.status,
    reason: r.reason,
    modelVersionBefore: activeVersion(before),
    modelVersionAfter: activeVersion(after),
    trainedVersion: r.model?.version ?? null,
    labelledOutcomes: r.labelled_outcomes,
    scored: r.rescored?.scored ?? 0,
    scoresChanged: r.rescored?.changed ?? 0,
    source: r.rescored?.source ?? null,
    movers,
  };
}
