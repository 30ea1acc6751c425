/**
 * Lead scoring over the tenant's data: explained scores (model, rules on cold start, or the Vertex
 * AI endpoint when configured, with local fallback), what-if, batch and event-driven rescoring,
 * retraining with held-out activation, and the model registry's read side.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { authorize } from '../auth/rbac.ts';
import { writeAudit } from '../audit/audit.service.ts';
import type { Database } from '../db/database.ts';
import { parseOrThrow } from '../errors/zod-issues.ts';
import type { Logger } from '../logger.ts';
import type { OutboxEvent } from '../outbox/outbox.schema.ts';
import type { Actor } from '../users/user.schema.ts';
import { extractLeadFeatures } from './lead-features.ts';
import { explainLead, whatIf, type LeadScorer, type LeadTimeline } from './lead-explanation.ts';
import { activeScorer, degradedReason, rescoreAll, rescoreContacts, type RescoreDeps, type RescoreResult } from './lead-rescoring.ts';
import { createRescoreBatcher } from './rescore-batcher.ts';
import { MIN_HOLDOUT, trainLeadModel, summarise } from './lead-training.ts';
import { getModelVersion, insertModelVersion, listModelVersions, ScorerCache } from './model-registry.ts';
import type { ProgressFn } from './ml/index.ts';
import { comparableLeads, databaseNow, loadLabelled, loadTimeline, scoringMoment, type ScoringContact } from './scoring.repository.ts';
import {
  DEFAULT_SCORING_CONFIG,
  LeadDataInput,
  WhatIfAction,
  type LeadScoreResult,
  type ModelVersionInfo,
  type ScoringConfig,
  type TrainingSummary,
} from './scoring.schema.ts';
import { createVertexEndpoint, type PredictionEndpoint } from './vertex-endpoint.adapter.ts';

export type ScoringOptions = Partial<ScoringConfig> & {
  /** A remote scorer; default: the Vertex endpoint when `vertex` is set, else none. */
  endpoint?: PredictionEndpoint | null;
};

export interface ScoringServiceDeps {
  db: Database;
  logger: Logger;
  options?: ScoringOptions;
}

export interface RetrainResult {
  status: 'cold_start' | 'unchanged' | 'activated' | 'rejected';
  reason: string;
  summary: TrainingSummary;
  model?: ModelVersionInfo;
  rescored?: RescoreResult;
}

export function createScoringService(deps: ScoringServiceDeps) {
  const { db } = deps;
  const logger = deps.logger.child({ component: 'scoring' });
  const { endpoint: given, ...overrides } = deps.options ?? {};
  const config: ScoringConfig = { ...DEFAULT_SCORING_CONFIG, ...overrides };
  const endpoint = given !== undefined ? given : config.vertex ? createVertexEndpoint({ config: config.vertex }) : null;
  const cache = new ScorerCache();
  const rescoreDeps: RescoreDeps = { db, logger, cache, endpoint, threshold: config.changeThreshold };
  const rescoreSoon = createRescoreBatcher((tenantId, ids) => rescoreContacts(rescoreDeps, tenantId, ids));

  const read = <T>(actor: Actor, fn: (em: EntityManager) => Promise<T>) => {
    authorize(actor, 'contacts:read');
    return db.withTenant(actor.tenantId, fn);
  };

  /** Explain a timeline; the remote endpoint (when configured) gives the score, the local scorer the factors. */
  async function explainTimeline(scorer: LeadScorer, timeline: LeadTimeline, asOf: number): Promise<LeadScoreResult> {
    if (!endpoint) return explainLead(scorer, timeline, asOf);
    const features = extractLeadFeatures(timeline.contact, timeline.interactions, asOf, scorer.customFields);
    try {
      const [remote] = await endpoint.predict([features]);
      return explainLead(scorer, timeline, asOf, { remote });
    } catch (err) {
      logger.warn({ err, service: endpoint.service }, 'remote lead scoring failed; scoring locally');
      return explainLead(scorer, timeline, asOf, { degraded: { service: endpoint.service, reason: degradedReason(err) } });
    }
  }

  /** A stored contact's explained score: an open lead as of now, a closed one as of its close. */
  async function scoreStored(scorer: LeadScorer, contact: ScoringContact, timeline: LeadTimeline, now: number): Promise<LeadScoreResult> {
    const result = await explainTimeline(scorer, timeline, scoringMoment(contact, now));
    if (!contact.closedAt) return result;
    const status = contact.status as 'CUSTOMER' | 'INACTIVE';
    const since = contact.closedAt.toISOString();
    const what = status === 'CUSTOMER' ? 'a customer' : 'inactive (lost)';
    return { ...result, closed: { status, since, note: `${what} since ${since.slice(0, 10)}: lead scoring applies to open leads, so this is its score as of then, and rescoring keeps it there` } };
  }

  async function scoreContact(actor: Actor, contactId: string): Promise<LeadScoreResult> {
    const { contact, timeline, scorer } = await read(actor, async (em) => ({ ...(await loadTimeline(em, contactId)), scorer: await activeScorer(cache, em) }));
    return scoreStored(scorer, contact, timeline, Date.now());
  }

  /** Retrain the tenant's model; `actor` is a user or the tenant's system actor (the scheduled retrain). */
  /**
   * `rescore`: true (default) rescores the tenant when a new model is activated; 'always' also when
   * the active scorer stays (scores still drift with time: recency, quiet days); false never.
   */
  async function retrain(actor: Actor, options: { onProgress?: ProgressFn; now?: Date; rescore?: boolean | 'always'; signal?: AbortSignal } = {}): Promise<RetrainResult> {
    authorize(actor, 'contacts:write');
    const { tenantId } = actor;
    const now = (options.now ?? new Date()).getTime();
    const { leads, baseline, seenUntil } = await db.withTenant(tenantId, async (em) => ({
      seenUntil: await databaseNow(em),
      leads: await loadLabelled(em, now, config.staleDays),
      baseline: await activeScorer(cache, em),
    }));
    // unseen: outcomes the database recorded after the active model loaded its data, imports included
    const since = baseline.trainedUntil;
    const fresh = since === null ? leads.length : leads.filter((l) => l.recordedAt > since).length;
    const userId = actor.kind === 'system' ? null : actor.userId;
    const rescoreAnyway = async () => (options.rescore === 'always' ? (options.signal?.throwIfAborted(), { rescored: await rescoreAll(rescoreDeps, tenantId, userId) }) : {});
    if (since !== null && fresh < MIN_HOLDOUT) {
      const summary = summarise(leads, 0, []);
      const reason = `${fresh} outcome(s) recorded since model v${baseline.version} was trained (${MIN_HOLDOUT} are needed to compare on unseen data); v${baseline.version} stays active`;
      return { status: 'unchanged', reason, summary, ...(await rescoreAnyway()) };
    }
    const outcome = await trainLeadModel(leads, { minPerClass: config.minPerClass, baseline, seenUntil, onProgress: options.onProgress, inThread: true, signal: options.signal });
    if (outcome.status === 'cold_start') return { status: 'cold_start', reason: outcome.reason, summary: outcome.summary, ...(await rescoreAnyway()) };
    options.signal?.throwIfAborted();
    const model = await db.withTenant(tenantId, async (em) => {
      const info = await insertModelVersion(em, tenantId, { ...outcome, trainingSummary: outcome.summary, createdBy: userId });
      await writeAudit(em, actor, info.status === 'active' ? 'scoring_model.activated' : 'scoring_model.rejected', 'scoring_model', info.id, {
        after: { version: info.version, modelKind: info.modelKind, decision: info.decision, metrics: { cvAuc: info.metrics.cvAuc, holdoutAuc: info.metrics.holdoutAuc } },
      });
      return info;
    });
    const activated = model.status === 'active';
    const rescored = (activated && options.rescore !== false) || options.rescore === 'always' ? await rescoreAll(rescoreDeps, tenantId, userId) : undefined;
    return { status: activated ? 'activated' : 'rejected', reason: outcome.decision.reason, summary: outcome.summary, model, ...(rescored ? { rescored } : {}) };
  }

  return {
    config,
    endpoint,

    /** The explained score of a stored contact as of now. Read-only: lead_score changes on events and rescoring. */
    scoreContact,

    /** Score lead data that is not in the CRM (design document's score_lead with contact_data + interaction_history). */
    async scoreLead(actor: Actor, raw: unknown): Promise<LeadScoreResult> {
      const input = parseOrThrow(LeadDataInput, raw);
      const scorer = await read(actor, (em) => activeScorer(cache, em));
      const now = Date.now();
      const timeline: LeadTimeline = {
        contactId: null,
        contact: { ...input.contact, createdAt: input.contact.createdAt ?? new Date(now) },
        interactions: input.interactions.map((i) => ({ ...i, channel: i.channel ?? 'EMAIL' })),
      };
      return explainTimeline(scorer, timeline, now);
    },

    /** The score with a plain-language explanation, improvement suggestions and what happened to comparable leads. */
    async explain(actor: Actor, contactId: string) {
      const result = await scoreContact(actor, contactId);
      const comparable = await read(actor, async (em) => {
        const { contact } = await loadTimeline(em, contactId);
        return comparableLeads(em, contactId, result.score, contact.lead.source ?? null);
      });
      const named = result.factors.filter((f) => f.name !== 'other_factors');
      const up = named.filter((f) => f.weight > 0).slice(0, 3).map((f) => `${f.label} (${f.value})`);
      const down = named.filter((f) => f.weight < 0).slice(0, 3).map((f) => `${f.label} (${f.value})`);
      const by = result.source === 'rules' ? 'the cold-start rules' : result.source === 'vertex' ? 'the Vertex AI endpoint' : `model v${result.modelVersion}`;
      const explanation =
        (result.closed ? `${result.closed.note[0].toUpperCase()}${result.closed.note.slice(1)}. ` : '') +
        `Score ${result.score}/100 from ${by}, confidence ${result.confidence}. ` +
        (up.length ? `Raising it: ${up.join(', ')}. ` : '') +
        (down.length ? `Lowering it: ${down.join(', ')}.` : '') +
        (result.degraded ? ` (${result.degraded.service} unavailable: scored locally.)` : '');
      return {
        result,
        explanation: explanation.trim(),
        improvementSuggestions: result.nextActions,
        comparableLeads: comparable.map((c) => `${c.name}${c.company ? ` (${c.company})` : ''}: ${c.status === 'CUSTOMER' ? 'became a customer' : 'lost'}, lead score ${c.leadScore}, source ${c.source}`),
        comparable,
      };
    },

    /** Score after adding achievable actions (each alone, `count` times), best first. */
    async whatIf(actor: Actor, contactId: string, options: { actions?: unknown; count?: number } = {}) {
      const actions = options.actions === undefined ? undefined : parseOrThrow(WhatIfAction.array().min(1), options.actions);
      const { timeline, scorer } = await read(actor, async (em) => ({ ...(await loadTimeline(em, contactId)), scorer: await activeScorer(cache, em) }));
      const result = explainLead(scorer, timeline, Date.now(), { whatIfActions: actions });
      if (options.count && options.count > 1) {
        result.whatIf = whatIf(scorer, timeline, Date.parse(result.asOf), result.score, actions, options.count);
      }
      return { contactId, current: result.score, source: result.explanationSource, modelVersion: result.modelVersion, scenarios: result.whatIf };
    },

    /** Explained scores of many stored contacts (read-only). */
    async scoreBatch(actor: Actor, ids: readonly string[]): Promise<LeadScoreResult[]> {
      const items = await read(actor, async (em) => {
        const scorer = await activeScorer(cache, em);
        const out: { contact: ScoringContact; timeline: LeadTimeline; scorer: LeadScorer }[] = [];
        for (const id of ids) out.push({ ...(await loadTimeline(em, id)), scorer });
        return out;
      });
      const now = Date.now();
      const results: LeadScoreResult[] = [];
      for (const i of items) results.push(await scoreStored(i.scorer, i.contact, i.timeline, now));
      return results;
    },

    /** Rescore the whole tenant set-wise; changes ≥ threshold update leadScore and emit lead_score.changed. */
    async rescoreTenant(actor: Actor, options: { statuses?: string[]; onProgress?: (done: number, total: number) => void } = {}): Promise<RescoreResult> {
      authorize(actor, 'contacts:write');
      return rescoreAll(rescoreDeps, actor.tenantId, actor.kind === 'system' ? null : actor.userId, options);
    },

    /** Rescore one contact (event path, system). */
    rescoreContact: (tenantId: string, contactId: string) => rescoreContacts(rescoreDeps, tenantId, [contactId]),

    retrain,

    /** Active model (or rules), versions, thresholds and the remote endpoint's circuit state. */
    async modelInfo(actor: Actor) {
      const versions = await read(actor, (em) => listModelVersions(em));
      const active = versions.find((v) => v.status === 'active') ?? null;
      return {
        source: active ? ('model' as const) : ('rules' as const),
        active,
        versions,
        minPerClass: config.minPerClass,
        changeThreshold: config.changeThreshold,
        remote: endpoint ? { service: endpoint.service, circuit: endpoint.breaker.state } : null,
      };
    },

    async modelVersion(actor: Actor, version: number) {
      return read(actor, (em) => getModelVersion(em, version));
    },

    /** Aggregate description of the tenant's labelled history (no personal data). */
    async trainingData(actor: Actor): Promise<TrainingSummary & { tenant: { id: string; slug: string }; coldStart: boolean; minPerClass: number }> {
      const { leads, slug } = await read(actor, async (em) => ({
        leads: await loadLabelled(em, Date.now(), config.staleDays),
        slug: (await em.execute<{ slug: string }[]>('SELECT slug FROM tenants WHERE id = ?', [actor.tenantId]))[0]?.slug ?? '',
      }));
      const s = summarise(leads, 0, []);
      return { tenant: { id: actor.tenantId, slug }, ...s, coldStart: Math.min(s.positives, s.negatives) < config.minPerClass, minPerClass: config.minPerClass };
    },

    /** Outbox handler: contact.created / interaction.logged rescore the contact. */
    async handleEvent(event: OutboxEvent): Promise<void> {
      const id = eventContactId(event);
      if (id) await rescoreSoon(event.tenantId, id);
    },

    /** Many events (the outbox's batch delivery): one rescore per tenant of the contacts they name. */
    async handleEvents(events: readonly OutboxEvent[], signal?: AbortSignal): Promise<void> {
      const byTenant = new Map<string, Set<string>>();
      for (const e of events) {
        const id = eventContactId(e);
        if (!id) continue;
        const ids = byTenant.get(e.tenantId) ?? new Set<string>();
        byTenant.set(e.tenantId, ids.add(id));
      }
      for (const [tenantId, set] of byTenant) {
        const ids = [...set];
        // a few hundred per transaction on the embedded database (it serves nobody else while one runs)
        const chunk = db.kind === 'pglite' ? 250 : 1000;
        for (let i = 0; i < ids.length; i += chunk) {
          signal?.throwIfAborted();
          await rescoreContacts(rescoreDeps, tenantId, ids.slice(i, i + chunk));
        }
      }
    },

    async close(): Promise<void> {
      await endpoint?.close();
    },
  };
}

/** The contact an outbox event is about (a contact event, or an interaction's contact). */
function eventContactId(event: OutboxEvent): string | null {
  const p = event.payload as { contact?: { id?: string }; interaction?: { contactId?: string }; contactId?: string };
  return p.contact?.id ?? p.interaction?.contactId ?? p.contactId ?? event.aggregateId;
}

export type ScoringService = ReturnType<typeof createScoringService>;
