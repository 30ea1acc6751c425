import type { LeadScoreResult } from '@crm/core';

/** The core's explained score in this server's snake_case shape. */
export function toScoreOut(r: LeadScoreResult) {
  return {
    contact_id: r.contactId,
    score: r.score,
    probability: r.probability,
    confidence: r.confidence,
    source: r.source,
    explanation_source: r.explanationSource,
    model_version: r.modelVersion,
    base: r.base,
    factors: r.factors,
    recommendation: r.recommendation,
    recommendations: [r.recommendation, ...r.nextActions],
    next_actions: r.nextActions,
    what_if: r.whatIf,
    ...(r.degraded ? { degraded: r.degraded } : {}),
    as_of: r.asOf,
    ...(r.closed ? { closed: r.closed } : {}),
  };
}

export const bySource = (s: { source: string; model_version?: number | null; explanation_source?: string }) =>
  s.source === 'rules' ? 'cold-start rules' : s.source === 'vertex' ? 'Vertex AI endpoint' : `model v${s.model_version}`;
