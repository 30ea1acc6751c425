/**
 * Cold-start lead scoring: a fixed, documented points table used until a tenant has enough
 * labelled outcomes to train its own model (see DEFAULT_MIN_PER_CLASS), and whenever no model can
 * answer. It speaks the model's language — log-odds points added to a base — so its answer has the
 * same shape and the same guarantee: base + Σ contributions = logit(probability).
 *
 * The table encodes common B2B marketing practice (engagement, fit, recency), not any tenant's data:
 *
 * | rule | points (log-odds) |
 * |---|---|
 * | base (an unknown lead converts ~12%) | −2.0 |
 * | meetings held | +0.6 each, at most 3 |
 * | form submissions | +0.35 each, at most 3 |
 * | website visits, last 30 days | +0.1 each, at most 5 |
 * | inbound share of all interactions | (share − 0.3) × 1.5 |
 * | mean sentiment (−1..1) | × 0.8 |
 * | last interaction ≤ 7 days / ≤ 30 / > 90 / never | +0.4 / +0.1 / −0.6 / −0.4 |
 * | seniority C-level, VP / Director / Specialist / Intern | +0.5 / +0.35 / −0.3 / −0.8 |
 * | corporate email / free mailbox | +0.3 / −0.4 |
 * | company given | +0.2 |
 * | source referral / partner / webinar / trade show / cold outbound | +0.8 / +0.6 / +0.4 / +0.2 / −0.6 |
 *
 * Confidence is deliberately low (at most 0.5): 0.2 + 0.3 × the share of the rules' inputs known.
 */
import type { LeadFeatures } from './lead-features.ts';
import { scoreFromProbability, type FeatureValue, type ScoredLead } from './ml/index.ts';

export const RULES_BASE = -2;

const SOURCE_POINTS: Record<string, number> = { referral: 0.8, partner: 0.6, webinar: 0.4, trade_show: 0.2, cold_outbound: -0.6 };
const SENIORITY_POINTS: Record<string, number> = { 'C-level': 0.5, VP: 0.5, Director: 0.35, Manager: 0, Specialist: -0.3, Intern: -0.8, Other: 0 };

const num = (v: FeatureValue): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

interface Rule {
  name: string;
  points(f: LeadFeatures): number;
  /** Whether the input of the rule is known (for confidence). */
  known(f: LeadFeatures): boolean;
}

const count = (name: string, each: number, cap: number): Rule => ({
  name,
  points: (f) => each * Math.min(cap, num(f[name]) ?? 0),
  known: () => true,
});

export const RULES: readonly Rule[] = [
  count('meetings_total', 0.6, 3),
  count('form_submissions_total', 0.35, 3),
  count('website_visit_30d', 0.1, 5),
  { name: 'inbound_ratio', points: (f) => ((num(f.inbound_ratio) ?? 0.3) - 0.3) * 1.5, known: (f) => num(f.inbound_ratio) !== null },
  { name: 'mean_sentiment', points: (f) => (num(f.mean_sentiment) ?? 0) * 0.8, known: (f) => num(f.mean_sentiment) !== null },
  {
    name: 'days_since_last_interaction',
    points: (f) => {
      const d = num(f.days_since_last_interaction);
      return d === null ? -0.4 : d <= 7 ? 0.4 : d <= 30 ? 0.1 : d > 90 ? -0.6 : 0;
    },
    known: () => true,
  },
  { name: 'seniority', points: (f) => SENIORITY_POINTS[String(f.seniority)] ?? 0, known: (f) => f.seniority != null },
  { name: 'corporate_email', points: (f) => (f.corporate_email === true ? 0.3 : f.corporate_email === false ? -0.4 : 0), known: (f) => f.corporate_email != null },
  { name: 'has_company', points: (f) => (f.has_company === true ? 0.2 : 0), known: () => true },
  { name: 'source', points: (f) => SOURCE_POINTS[String(f.source)] ?? 0, known: (f) => f.source != null },
];

/** Score a feature record with the rules: the same shape a trained model's scorer returns. */
export function scoreByRules(features: LeadFeatures): ScoredLead {
  let logOdds = RULES_BASE;
  let known = 0;
  const contributions = RULES.map((rule) => {
    const contribution = rule.points(features);
    logOdds += contribution;
    if (rule.known(features)) known++;
    return { name: rule.name, value: features[rule.name] ?? null, contribution };
  }).sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
  const probability = 1 / (1 + Math.exp(-logOdds));
  const confidence = Math.round((0.2 + (0.3 * known) / RULES.length) * 1000) / 1000;
  return { probability, score: scoreFromProbability(probability), confidence, base: RULES_BASE, contributions };
}
