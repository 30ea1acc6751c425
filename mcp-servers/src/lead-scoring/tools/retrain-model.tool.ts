import { holdsTenantWide } from '../../framework/access.ts';
import { RetrainModel } from '../../contracts/lead-scoring/lead-scoring.contract.ts';
import { defineTool } from '../../framework/tool.ts';

export const retrainModelTool = defineTool(RetrainModel, {
  title: 'Retrain the lead-scoring model',
  description:
    'Train a candidate model on the tenant\'s closed leads and activate it only when it beats the active one on held-out outcomes ' +
    '(too few new outcomes: unchanged; cold start below min_per_class). Then optionally rescore every contact and report how many ' +
    'stored scores changed and the biggest movers. Needs contacts:write on every contact (managers, admins, the system actor).',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  access: holdsTenantWide('contacts:write'),
  handler: async ({ rescore }, { core, actor, signal, progress }) => {
    // a client that cancels (or a stopping process) ends the training thread; progress keeps a client's timeout from firing
    const r = await core.scoring.retrain(actor, {
      rescore: rescore === 'always' ? 'always' : rescore === 'if_activated',
      ...(signal ? { signal } : {}),
      ...(progress ? { onProgress: (done: number, total: number, label: string) => void progress(done, total, `training: ${label}`) } : {}),
    });
    return {
      status: r.status,
      reason: r.reason,
      labelled_outcomes: r.summary.labelled,
      model: r.model
        ? { version: r.model.version, status: r.model.status, model_kind: r.model.modelKind, cv_auc: r.model.metrics.cvAuc, holdout_auc: r.model.metrics.holdoutAuc }
        : null,
      rescored: r.rescored
        ? {
            scored: r.rescored.scored,
            changed: r.rescored.changed,
            source: r.rescored.source,
            model_version: r.rescored.modelVersion,
            movers: r.rescored.movers.map((m) => ({ contact_id: m.contactId, from: m.from, to: m.to, delta: m.to - m.from })),
          }
        : null,
    };
  },
  summarize: (o) =>
    `Retrain: ${o.status}${o.model ? ` (v${o.model.version} ${o.model.status})` : ''}. ${o.reason}` +
    (o.rescored ? ` Rescored ${o.rescored.scored} contacts, ${o.rescored.changed} changed.` : ''),
});
