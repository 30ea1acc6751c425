import { AppError } from '@crm/core/contracts';
import { GetModelInfo } from '../../contracts/lead-scoring/lead-scoring.contract.ts';
import { READ_ONLY, defineTool } from '../../framework/tool.ts';

export const getModelInfoTool = defineTool(GetModelInfo, {
  title: 'Lead-scoring model info',
  description:
    'What scores leads now (the tenant\'s trained model or the cold-start rules), the active or a given version with its ' +
    'metrics (cross-validated and held-out AUC, log loss, calibration table), training data summary, feature importance and ' +
    'activation decision, and every version trained so far.',
  annotations: READ_ONLY,
  handler: async ({ version }, { core, actor }) => {
    const info = await core.scoring.modelInfo(actor);
    const chosen = version === undefined ? info.active : info.versions.find((v) => v.version === version);
    if (version !== undefined && !chosen) throw AppError.notFound('Scoring model version', String(version));
    return {
      source: info.source,
      min_per_class: info.minPerClass,
      change_threshold: info.changeThreshold,
      remote: info.remote,
      model: chosen
        ? {
            version: chosen.version,
            status: chosen.status,
            model_kind: chosen.modelKind,
            metrics: chosen.metrics,
            training_summary: chosen.trainingSummary,
            feature_importance: chosen.featureImportance.slice(0, 20),
            decision: chosen.decision,
          }
        : null,
      versions: info.versions.map((v) => ({
        version: v.version,
        status: v.status,
        model_kind: v.modelKind,
        created_at: v.createdAt,
        labelled_outcomes: v.trainingSummary.labelled,
        cv_auc: v.metrics.cvAuc,
        holdout_auc: v.metrics.holdoutAuc,
        decision: v.decision.reason,
      })),
    };
  },
  summarize: (i) =>
    i.source === 'rules'
      ? `Cold-start rules score leads (a model needs ${i.min_per_class} outcomes of each class); ${i.versions.length} version(s) trained.`
      : `Model v${i.model?.version} (${i.model?.model_kind}) scores leads; ${i.versions.length} version(s) trained.`,
});
