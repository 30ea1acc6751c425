/**
 * Rescoring stored contacts: read a batch (contacts, timelines, the active scorer) in one tenant
 * transaction, score outside it (the Vertex endpoint when configured, else the local model or the
 * rules), then write every change of at least `threshold` points — lead_score and one
 * lead_score.changed event each — set-wise in a second transaction.
 */
import type { Database, EntityManager } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import { extractLeadFeatures } from './lead-features.ts';
import { RULES_SCORER, type LeadScorer, type LeadTimeline } from './lead-explanation.ts';
import type { ScorerCache } from './model-registry.ts';
import { applyScoreChanges, loadContactPage, loadContacts, loadInteractions, scoringMoment, type ScoreChange, type ScoringContact } from './scoring.repository.ts';
import type { ScoreSource } from './scoring.schema.ts';
import type { PredictionEndpoint } from './vertex-endpoint.adapter.ts';

export interface ScoredBatch {
  scored: { contact: ScoringContact; score: number; probability: number }[];
  source: ScoreSource;
  modelVersion: number | null;
  degraded?: { service: string; reason: string };
}

export interface RescoreDeps {
  db: Database;
  logger: Logger;
  cache: ScorerCache;
  endpoint: PredictionEndpoint | null;
  threshold: number;
}

const REMOTE_CHUNK = 100;

export async function activeScorer(cache: ScorerCache, em: EntityManager): Promise<LeadScorer> {
  return (await cache.active(em)) ?? RULES_SCORER;
}

export function degradedReason(err: unknown): string {
  const message = (err as Error)?.message ?? String(err);
  return message.length > 200 ? `${message.slice(0, 197)}...` : message;
}

/**
 * Score timelines as of `asOf` (a closed contact as of its close: lead scoring is about open
 * leads, so a customer keeps the score it had as a lead): remotely when an endpoint is configured
 * and answers, else locally.
 */
export async function scoreTimelines(
  deps: Pick<RescoreDeps, 'endpoint' | 'logger'>,
  scorer: LeadScorer,
  items: readonly { contact: ScoringContact; timeline: LeadTimeline }[],
  asOf: number,
): Promise<ScoredBatch> {
  const features = items.map((i) => extractLeadFeatures(i.timeline.contact, i.timeline.interactions, scoringMoment(i.contact, asOf), scorer.customFields));
  if (deps.endpoint) {
    try {
      const probabilities: number[] = [];
      for (let k = 0; k < features.length; k += REMOTE_CHUNK) {
        for (const p of await deps.endpoint.predict(features.slice(k, k + REMOTE_CHUNK))) probabilities.push(p.probability);
      }
      return {
        scored: items.map((item, k) => ({ contact: item.contact, probability: probabilities[k], score: Math.round(probabilities[k] * 100) })),
        source: 'vertex',
        modelVersion: null,
      };
    } catch (err) {
      deps.logger.warn({ err, service: deps.endpoint.service }, 'remote lead scoring failed; scoring locally');
      return { ...scoreLocally(scorer, items, features), degraded: { service: deps.endpoint.service, reason: degradedReason(err) } };
    }
  }
  return scoreLocally(scorer, items, features);
}

function scoreLocally(scorer: LeadScorer, items: readonly { contact: ScoringContact }[], features: ReturnType<typeof extractLeadFeatures>[]): ScoredBatch {
  return {
    scored: items.map((item, k) => {
      const s = scorer.score(features[k]);
      return { contact: item.contact, score: s.score, probability: s.probability };
    }),
    source: scorer.source,
    modelVersion: scorer.version,
  };
}

/** One contact whose stored lead score a rescore changed. */
export interface ScoreMover {
  contactId: string;
  from: number;
  to: number;
}

export const MAX_MOVERS = 5;

/** The biggest movers first (|to − from| descending, then contact id for a stable order). */
export function topMovers(movers: readonly ScoreMover[], n = MAX_MOVERS): ScoreMover[] {
  return [...movers].sort((a, b) => Math.abs(b.to - b.from) - Math.abs(a.to - a.from) || a.contactId.localeCompare(b.contactId)).slice(0, n);
}

export interface RescoreResult {
  scored: number;
  changed: number;
  /** The (at most five) written changes with the largest |delta|. */
  movers: ScoreMover[];
  source: ScoreSource;
  modelVersion: number | null;
  degraded?: { service: string; reason: string };
}

async function rescoreBatch(deps: RescoreDeps, tenantId: string, actorId: string | null, read: (em: EntityManager) => Promise<ScoringContact[]>, asOf: number): Promise<RescoreResult & { last: string | null }> {
  const { contacts, timelines, scorer } = await deps.db.withTenant(tenantId, async (em) => {
    const contacts = await read(em);
    const interactions = await loadInteractions(em, contacts.map((c) => c.id));
    return {
      contacts,
      timelines: contacts.map((c) => ({ contact: c, timeline: { contactId: c.id, contact: c.lead, interactions: interactions.get(c.id) ?? [] } })),
      scorer: await activeScorer(deps.cache, em),
    };
  });
  const batch = await scoreTimelines(deps, scorer, timelines, asOf);
  const changes: ScoreChange[] = batch.scored
    .filter((s) => Math.abs(s.score - s.contact.leadScore) >= deps.threshold)
    .map((s) => ({ id: s.contact.id, from: s.contact.leadScore, to: s.score, source: batch.source, modelVersion: batch.modelVersion }));
  if (changes.length > 0) {
    await deps.db.withTenant(tenantId, (em) => applyScoreChanges(em, tenantId, actorId, changes));
    deps.db.events.emit('outbox');
  }
  return {
    scored: batch.scored.length,
    changed: changes.length,
    movers: topMovers(changes.map((c) => ({ contactId: c.id, from: c.from, to: c.to }))),
    source: batch.source,
    modelVersion: batch.modelVersion,
    ...(batch.degraded ? { degraded: batch.degraded } : {}),
    last: contacts.length ? contacts[contacts.length - 1].id : null,
  };
}

/** Rescore the given contacts (an event's contact); missing ones are skipped. */
export async function rescoreContacts(deps: RescoreDeps, tenantId: string, ids: readonly string[], actorId: string | null = null): Promise<RescoreResult> {
  const { last: _last, ...result } = await rescoreBatch(deps, tenantId, actorId, (em) => loadContacts(em, ids), Date.now());
  return result;
}

/** Rescore every contact of the tenant (all statuses by default) in keyset pages. */
export async function rescoreAll(
  deps: RescoreDeps,
  tenantId: string,
  actorId: string | null,
  options: { statuses?: readonly string[]; pageSize?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<RescoreResult> {
  const statuses = options.statuses ?? ['LEAD', 'PROSPECT', 'CUSTOMER', 'INACTIVE'];
  const pageSize = options.pageSize ?? 1000;
  // how many there are, for a progress bar (contacts created meanwhile may push `done` past it)
  const expected = options.onProgress
    ? await deps.db.withTenant(tenantId, async (em) =>
        Number((await em.execute<{ n: number }[]>('SELECT count(*)::int AS n FROM contacts WHERE status = ANY(?::text[])', [`{${statuses.join(',')}}`]))[0].n),
      )
    : 0;
  const asOf = Date.now();
  const total: RescoreResult = { scored: 0, changed: 0, movers: [], source: 'rules', modelVersion: null };
  let after: string | null = null;
  for (;;) {
    const cursor: string | null = after;
    const page = await rescoreBatch(deps, tenantId, actorId, (em) => loadContactPage(em, cursor, pageSize, statuses), asOf);
    total.scored += page.scored;
    total.changed += page.changed;
    total.movers = topMovers([...total.movers, ...page.movers]);
    total.source = page.source;
    total.modelVersion = page.modelVersion;
    if (page.degraded) total.degraded = page.degraded;
    options.onProgress?.(total.scored, Math.max(expected, total.scored));
    if (page.scored < pageSize || !page.last) return total;
    after = page.last;
  }
}
