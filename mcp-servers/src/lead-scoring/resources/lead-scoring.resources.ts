import { AppError } from '@crm/core/contracts';
import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ReadResourceResult } from '@modelcontextprotocol/sdk/types.js';
import { toJsonValue } from '../../framework/json.ts';
import { guarded, guardedList } from '../../framework/mcp-errors.ts';
import type { ModuleContext } from '../../framework/server-module.ts';

export const modelUri = (version: number | 'active') => `mcp://scoring-models/${version}`;
export const trainingDataUri = (tenant: string) => `mcp://training-data/${tenant}`;

const json = (uri: string, value: unknown): ReadResourceResult => ({
  contents: [{ uri, mimeType: 'application/json', text: JSON.stringify(toJsonValue(value)) }],
});
const variable = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? '';

/** Model artifacts by version, and an aggregate (PII-free) description of the data they learn from. */
export function registerLeadScoringResources(server: McpServer, ctx: ModuleContext): void {
  const { logger } = ctx;
  server.registerResource(
    'scoring-model',
    new ResourceTemplate('mcp://scoring-models/{version}', {
      list: guardedList(logger, async (extra) => {
        const { actor, core } = ctx.context(extra);
        const info = await core.scoring.modelInfo(actor);
        return {
          resources: info.versions.map((v) => ({
            uri: modelUri(v.version),
            name: `scoring-model-v${v.version}`,
            title: `Lead-scoring model v${v.version} (${v.status}, ${v.modelKind})`,
            mimeType: 'application/json',
          })),
        };
      }),
    }),
    {
      title: 'Lead-scoring model',
      description:
        'One version of the tenant\'s lead-scoring model: metrics, calibration table, training data summary, feature importance, ' +
        'activation decision and the model artifact (encoder, weights or trees, calibrator). {version} is a number or "active".',
      mimeType: 'application/json',
    },
    guarded(logger, 'resources/read', async (uri, vars, extra) => {
      const { actor, core } = ctx.context(extra);
      const raw = variable(vars.version);
      let version = Number(raw);
      if (raw === 'active') {
        const active = (await core.scoring.modelInfo(actor)).active;
        if (!active) throw new AppError('NOT_FOUND', 'No model is active: the cold-start rules score leads', { details: { entity: 'Scoring model', id: raw } });
        version = active.version;
      }
      if (!Number.isInteger(version) || version < 1) throw AppError.validation([{ path: 'version', reason: 'must be a version number or "active"' }]);
      const model = await core.scoring.modelVersion(actor, version);
      if (!model) throw AppError.notFound('Scoring model version', raw);
      return json(uri.href, model);
    }),
  );

  server.registerResource(
    'training-data',
    new ResourceTemplate('mcp://training-data/{tenant}', {
      list: guardedList(logger, async (extra) => {
        const { actor, core } = ctx.context(extra);
        const data = await core.scoring.trainingData(actor);
        return { resources: [{ uri: trainingDataUri(data.tenant.slug), name: `training-data-${data.tenant.slug}`, title: 'Lead-scoring training data (summary)', mimeType: 'application/json' }] };
      }),
    }),
    {
      title: 'Lead-scoring training data',
      description:
        'Summary of the outcomes lead scoring learns from in your tenant ({tenant}: its slug or id): how many converted, lost and ' +
        'stale leads, over which period, conversion by source, custom fields used, and whether the tenant is still in cold start. ' +
        'Aggregates only: no names, emails or other personal data.',
      mimeType: 'application/json',
    },
    guarded(logger, 'resources/read', async (uri, vars, extra) => {
      const { actor, core } = ctx.context(extra);
      const data = await core.scoring.trainingData(actor);
      const wanted = variable(vars.tenant);
      if (wanted !== data.tenant.slug && wanted !== data.tenant.id) throw AppError.notFound('Tenant', wanted);
      return json(uri.href, data);
    }),
  );
}
