/**
 * From a scorer and a lead's timeline to the design document's answer: score, confidence, factors
 * (name, weight, value, impact), recommendation, next actions and a what-if over achievable
 * actions, each computed by re-scoring the timeline with the action appended. Pure.
 */
import { extractLeadFeatures, type CustomFieldSpec, type LeadContact, type LeadFeatures, type LeadInteraction } from './lead-features.ts';
import { createScorer, type FeatureValue, type ScoredLead, type TrainedModel } from './ml/index.ts';
import { scoreByRules } from './rule-scorer.ts';
import { WHAT_IF_ACTIONS, type LeadScoreResult, type ScoringFactor, type WhatIfAction, type WhatIfScenario } from './scoring.schema.ts';

export interface LeadScorer {
  source: 'model' | 'rules';
  version: number | null;
  customFields: readonly CustomFieldSpec[];
  /**
   * Outcomes the database recorded up to this instant (ms) were loaded when the model was trained;
   * those recorded later (LabelledLead.recordedAt) are unseen, fair held-out data.
   */
  trainedUntil: number | null;
  score(features: LeadFeatures): ScoredLead;
}

export const RULES_SCORER: LeadScorer = { source: 'rules', version: null, customFields: [], trainedUntil: null, score: scoreByRules };

export function modelLeadScorer(trained: TrainedModel, version: number, customFields: readonly CustomFieldSpec[], trainedUntil: number | null = null): LeadScorer {
  const scorer = createScorer(trained);
  return { source: 'model', version, customFields, trainedUntil, score: (f) => scorer.scoreRecord(f) };
}

export interface LeadTimeline {
  contactId: string | null;
  contact: LeadContact;
  interactions: readonly LeadInteraction[];
}

/** A score from elsewhere (the Vertex AI endpoint) that the local scorer only explains. */
export interface RemoteScore {
  probability: number;
  confidence?: number;
}

const ACTIONS: Record<WhatIfAction, { label: string; interaction: Omit<LeadInteraction, 'occurredAt'> }> = {
  meeting: { label: 'Hold a meeting', interaction: { type: 'MEETING', channel: 'CHAT', direction: 'OUTBOUND' } },
  inbound_reply: { label: 'Get a reply to an email', interaction: { type: 'EMAIL', channel: 'EMAIL', direction: 'INBOUND' } },
  form_submission: { label: 'Get a form submission (content download, quote request)', interaction: { type: 'FORM_SUBMISSION', channel: 'WEBSITE', direction: 'INBOUND' } },
  website_visit: { label: 'Bring them back to the website', interaction: { type: 'WEBSITE_VISIT', channel: 'WEBSITE', direction: 'INBOUND' } },
  phone_call: { label: 'Have a phone call', interaction: { type: 'PHONE_CALL', channel: 'PHONE', direction: 'OUTBOUND' } },
};

const TOP_FACTORS = 10;
const logit = (p: number) => Math.log(Math.min(1 - 1e-12, Math.max(1e-12, p)) / (1 - Math.min(1 - 1e-12, Math.max(1e-12, p))));
const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits;

const LABELS: Record<string, string> = {
  interactions_total: 'All interactions so far',
  inbound_30d: 'Inbound interactions, last 30 days',
  inbound_90d: 'Inbound interactions, last 90 days',
  inbound_ratio: 'Share of interactions the lead started',
  days_since_last_interaction: 'Days since the last interaction',
  days_since_last_inbound: 'Days since the lead last reached out',
  meetings_total: 'Meetings held',
  form_submissions_total: 'Forms submitted',
  website_visits_total: 'Website visits',
  mean_sentiment: 'Mean sentiment of conversations (−1..1)',
  source: 'Lead source',
  campaign: 'Campaign',
  seniority: 'Seniority of the job title',
  corporate_email: 'Corporate (not free-mail) email address',
  has_company: 'Company given',
  has_phone: 'Phone number given',
  lead_age_days: 'Days since the lead was created',
  website_visit_30d: 'Website visits, last 30 days',
  other_factors: 'All other factors together',
};

const words = (s: string) => s.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());

export function featureLabel(name: string): string {
  if (LABELS[name]) return LABELS[name];
  let m = /^interactions_(\d+)d$/.exec(name);
  if (m) return `Interactions, last ${m[1]} days`;
  m = /^channel_([a-z_]+)_(\d+)d$/.exec(name);
  if (m) return `Interactions via ${words(m[1])}, last ${m[2]} days`;
  m = /^([a-z_]+)_(\d+)d$/.exec(name);
  if (m) return `${words(m[1])}s, last ${m[2]} days`;
  if (name.startsWith('cf_')) return `Custom field ${name.slice(3)}`;
  return words(name);
}

function showValue(v: FeatureValue): string {
  if (v == null || (typeof v === 'number' && Number.isNaN(v))) return 'missing';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'number') return String(Number.isInteger(v) ? v : round(v, 2));
  return v;
}

export function impactOf(weight: number): ScoringFactor['impact'] {
  const w = Math.abs(weight);
  return w >= 0.5 ? 'HIGH' : w >= 0.15 ? 'MEDIUM' : 'LOW';
}

function toFactors(scored: ScoredLead): ScoringFactor[] {
  const shown = scored.contributions.slice(0, TOP_FACTORS);
  const rest = scored.contributions.slice(TOP_FACTORS);
  const factors = shown.map((c) => ({ name: c.name, label: featureLabel(c.name), weight: c.contribution, value: showValue(c.value), impact: impactOf(c.contribution) }));
  if (rest.length > 0) {
    const weight = rest.reduce((s, c) => s + c.contribution, 0);
    factors.push({ name: 'other_factors', label: LABELS.other_factors, weight, value: `${rest.length} factors`, impact: impactOf(weight) });
  }
  return factors;
}

/** Score the timeline with each achievable action added `count` times just before `asOf`. */
export function whatIf(scorer: LeadScorer, timeline: LeadTimeline, asOf: number, current: number, actions: readonly WhatIfAction[] = WHAT_IF_ACTIONS, count = 1): WhatIfScenario[] {
  return actions
    .map((action) => {
      const extra = Array.from({ length: count }, (_, k) => ({ ...ACTIONS[action].interaction, occurredAt: asOf - (k + 1) * 60_000 }));
      const features = extractLeadFeatures(timeline.contact, [...timeline.interactions, ...extra], asOf, scorer.customFields);
      const score = scorer.score(features).score;
      return { action, label: ACTIONS[action].label, count, score, delta: score - current };
    })
    .sort((a, b) => b.delta - a.delta || (a.action < b.action ? -1 : 1));
}

function recommendationFor(score: number): string {
  if (score >= 70) return `Hot lead (score ${score}): contact within one business day and propose a meeting.`;
  if (score >= 40) return `Warm lead (score ${score}): follow up personally and share content that fits their interest.`;
  return `Cold lead (score ${score}): keep in automated nurture and re-check when they engage.`;
}

function nextActionsFor(features: LeadFeatures, scenarios: readonly WhatIfScenario[]): string[] {
  const out = scenarios.filter((s) => s.delta >= 1).slice(0, 3).map((s) => `${s.label} (+${s.delta} points)`);
  const quiet = features.days_since_last_interaction;
  if (typeof quiet === 'number' && quiet > 30) out.push(`Re-engage: no interaction for ${Math.round(quiet)} days`);
  else if (quiet == null) out.push('Make a first contact: there is no interaction yet');
  if (typeof features.mean_sentiment === 'number' && features.mean_sentiment < -0.1) out.push('Address their concerns: conversations so far read negative');
  if (!features.has_company || features.seniority == null) out.push('Complete the record (company, job title): it makes the score more reliable');
  return out.slice(0, 5);
}

export interface ExplainOptions {
  remote?: RemoteScore;
  degraded?: { service: string; reason: string };
  whatIfActions?: readonly WhatIfAction[];
}

/** The full explained score of one lead as of `asOf` (ms). */
export function explainLead(scorer: LeadScorer, timeline: LeadTimeline, asOf: number, options: ExplainOptions = {}): LeadScoreResult {
  const features = extractLeadFeatures(timeline.contact, timeline.interactions, asOf, scorer.customFields);
  const local = scorer.score(features);
  let scored = local;
  if (options.remote) {
    // Explain the remote score with the local factors, re-based so that the sum still holds.
    const probability = Math.min(1, Math.max(0, options.remote.probability));
    const sum = local.contributions.reduce((s, c) => s + c.contribution, 0);
    scored = { ...local, probability, score: Math.round(probability * 100), base: logit(probability) - sum, confidence: options.remote.confidence ?? local.confidence };
  }
  const scenarios = whatIf(scorer, timeline, asOf, local.score, options.whatIfActions);
  return {
    contactId: timeline.contactId,
    score: scored.score,
    probability: scored.probability,
    confidence: scored.confidence,
    source: options.remote ? 'vertex' : scorer.source,
    explanationSource: scorer.source,
    modelVersion: scorer.version,
    base: scored.base,
    factors: toFactors(scored),
    recommendation: recommendationFor(scored.score),
    nextActions: nextActionsFor(features, scenarios),
    whatIf: scenarios,
    ...(options.degraded ? { degraded: options.degraded } : {}),
    asOf: new Date(asOf).toISOString(),
  };
}

/** The score only (no factors or what-if): for batch rescoring. */
export function quickScore(scorer: LeadScorer, timeline: LeadTimeline, asOf: number): { score: number; probability: number; features: LeadFeatures } {
  const features = extractLeadFeatures(timeline.contact, timeline.interactions, asOf, scorer.customFields);
  const s = scorer.score(features);
  return { score: s.score, probability: s.probability, features };
}

