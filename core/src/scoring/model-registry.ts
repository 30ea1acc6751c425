/**
 * The tenant's lead-scoring model versions (table scoring_models, migration 0030): training data
 * summary, metrics, calibration table, feature importance and the held-out decision per version;
 * at most one active version per tenant (partial unique index). Runs in the caller's tenant
 * transaction, plus a small in-process cache of compiled scorers keyed by model id.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { modelLeadScorer, type LeadScorer } from './lead-explanation.ts';
import { parseTrainedModel, type ImportanceFactor, type TrainedModel } from './ml/index.ts';
import { FeatureConfig, type ModelDecision, type ModelMetrics, type ModelVersionInfo, type TrainingSummary } from './scoring.schema.ts';

interface Row {
  id: string;
  version: number;
  status: ModelVersionInfo['status'];
  model_kind: string;
  feature_config: unknown;
  training_summary: TrainingSummary;
  metrics: ModelMetrics;
  feature_importance: ImportanceFactor[];
  decision: ModelDecision;
  created_at: string | Date;
  activated_at: string | Date | null;
}

const INFO_COLUMNS = 'id, version, status, model_kind, feature_config, training_summary, metrics, feature_importance, decision, created_at, activated_at';
const iso = (v: string | Date | null) => (v == null ? null : new Date(v).toISOString());

function toInfo(r: Row): ModelVersionInfo {
  return {
    id: r.id,
    version: Number(r.version),
    status: r.status,
    modelKind: r.model_kind,
    createdAt: iso(r.created_at)!,
    activatedAt: iso(r.activated_at),
    trainingSummary: r.training_summary,
    metrics: r.metrics,
    featureImportance: r.feature_importance,
    decision: r.decision,
    customFields: FeatureConfig.parse(r.feature_config).customFields,
  };
}

export async function listModelVersions(em: EntityManager, limit = 20): Promise<ModelVersionInfo[]> {
  const rows = await em.execute<Row[]>(`SELECT ${INFO_COLUMNS} FROM scoring_models ORDER BY version DESC LIMIT ?`, [limit]);
  return rows.map(toInfo);
}

export async function getModelVersion(em: EntityManager, version: number): Promise<(ModelVersionInfo & { artifact: TrainedModel }) | null> {
  const rows = await em.execute<(Row & { artifact: unknown })[]>(`SELECT ${INFO_COLUMNS}, artifact FROM scoring_models WHERE version = ?`, [version]);
  return rows[0] ? { ...toInfo(rows[0]), artifact: parseTrainedModel(rows[0].artifact) } : null;
}

export async function activeModelRef(em: EntityManager): Promise<{ id: string; version: number } | null> {
  const rows = await em.execute<{ id: string; version: number }[]>("SELECT id, version FROM scoring_models WHERE status = 'active'");
  return rows[0] ? { id: rows[0].id, version: Number(rows[0].version) } : null;
}

export interface NewModelVersion {
  trained: TrainedModel;
  featureConfig: FeatureConfig;
  trainingSummary: TrainingSummary;
  metrics: ModelMetrics;
  decision: ModelDecision;
  createdBy: string | null;
}

/** Store a version; when its decision says so, it becomes the active one and the previous one retires. */
export async function insertModelVersion(em: EntityManager, tenantId: string, v: NewModelVersion): Promise<ModelVersionInfo> {
  // one retrain at a time per tenant: version numbers and the active flag stay consistent
  await em.execute('SELECT pg_advisory_xact_lock(hashtext(?))', [`scoring:${tenantId}`]);
  const [{ next }] = await em.execute<{ next: number }[]>('SELECT coalesce(max(version), 0) + 1 AS next FROM scoring_models');
  const activate = v.decision.activated;
  if (activate) await em.execute("UPDATE scoring_models SET status = 'retired' WHERE status = 'active'");
  const rows = await em.execute<Row[]>(
    `INSERT INTO scoring_models (id, tenant_id, version, status, model_kind, artifact, feature_config, training_summary, metrics,
       feature_importance, decision, created_by, activated_at)
     VALUES (?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?::jsonb, ?::jsonb, ?::jsonb, ?::jsonb, ?, ?) RETURNING ${INFO_COLUMNS}`,
    [
      randomUUID(),
      tenantId,
      Number(next),
      activate ? 'active' : 'rejected',
      v.trained.modelKind,
      JSON.stringify(v.trained),
      JSON.stringify(v.featureConfig),
      JSON.stringify(v.trainingSummary),
      JSON.stringify(v.metrics),
      JSON.stringify(v.trained.featureImportance),
      JSON.stringify(v.decision),
      v.createdBy,
      activate ? new Date() : null,
    ],
  );
  return toInfo(rows[0]);
}

/** Compiled scorers by model id; a model row never changes, so entries never go stale. */
export class ScorerCache {
  private readonly cache = new Map<string, LeadScorer>();
  constructor(private readonly max = 64) {}

  /** The active model's scorer, or null when the tenant has none (cold start). */
  async active(em: EntityManager): Promise<LeadScorer | null> {
    const ref = await activeModelRef(em);
    if (!ref) return null;
    const hit = this.cache.get(ref.id);
    if (hit) return hit;
    // models trained before `seenUntil` was recorded: everything written before the model was stored
    const rows = await em.execute<{ artifact: unknown; feature_config: unknown; until: string | Date | null }[]>(
      "SELECT artifact, feature_config, coalesce((training_summary->>'seenUntil')::timestamptz, created_at) AS until FROM scoring_models WHERE id = ?",
      [ref.id],
    );
    const until = rows[0].until ? new Date(rows[0].until).getTime() : null;
    const scorer = modelLeadScorer(parseTrainedModel(rows[0].artifact), ref.version, FeatureConfig.parse(rows[0].feature_config).customFields, until);
    if (this.cache.size >= this.max) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(ref.id, scorer);
    return scorer;
  }
}
