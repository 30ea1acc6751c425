import { z } from 'zod';

/** Environment variables of the BigQuery export of analytics facts (off unless BIGQUERY_DATASET is set). */
export const BigQueryEnv = z.object({
  BIGQUERY_PROJECT: z
    .string()
    .regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'must be a Google Cloud project id: 6–30 lower-case letters, digits and hyphens, starting with a letter')
    .optional()
    .describe('Google Cloud project of the BigQuery dataset; defaults to GOOGLE_CLOUD_PROJECT. Example: acme-crm-prod'),
  BIGQUERY_DATASET: z
    .string()
    .regex(/^\w{1,1024}$/, 'must be a BigQuery dataset id: letters, digits and underscores')
    .optional()
    .describe('Export contacts and interactions (incrementally, per tenant) to this existing BigQuery dataset; unset ⇒ no export. Tables crm_contacts and crm_interactions are created on first use. Example: crm_analytics'),
  BIGQUERY_EXPORT_MINUTES: z.coerce
    .number({ error: 'must be a whole number of minutes' })
    .int('must be a whole number of minutes')
    .min(0, 'must be 0 (off) or more')
    .max(10_080, 'must be at most 10080 (a week)')
    .default(15)
    .describe('How often the export job streams the rows changed since its last run (once across replicas); 0 = only by `crm analytics export-bigquery`. Example: 15'),
  BIGQUERY_API_ENDPOINT: z
    .url({ error: 'must be an http(s) URL' })
    .optional()
    .describe('Send BigQuery requests to this endpoint without Google credentials (a local double or emulator) instead of https://bigquery.googleapis.com. Example: http://127.0.0.1:9050'),
});
export type BigQueryEnv = z.infer<typeof BigQueryEnv>;

export interface BigQueryConfig {
  projectId: string;
  dataset: string;
  /** 0 ⇒ no scheduled job (the CLI still exports). */
  exportMinutes: number;
  /** Set ⇒ unauthenticated requests to this endpoint (double/emulator). */
  apiEndpoint?: string;
}

/** The export's config, or undefined when it is off. Missing project ⇒ a field issue for the caller. */
export function bigQueryConfigFrom(e: BigQueryEnv, env: Record<string, string | undefined>): BigQueryConfig | { issue: { path: string; reason: string } } | undefined {
  if (!e.BIGQUERY_DATASET) {
    if (e.BIGQUERY_PROJECT || e.BIGQUERY_API_ENDPOINT) return { issue: { path: 'BIGQUERY_DATASET', reason: 'is required when BIGQUERY_PROJECT or BIGQUERY_API_ENDPOINT is set' } };
    return undefined;
  }
  const projectId = e.BIGQUERY_PROJECT ?? env.GOOGLE_CLOUD_PROJECT;
  if (!projectId) return { issue: { path: 'BIGQUERY_PROJECT', reason: 'is required when BIGQUERY_DATASET is set (or set GOOGLE_CLOUD_PROJECT)' } };
  return {
    projectId,
    dataset: e.BIGQUERY_DATASET,
    exportMinutes: e.BIGQUERY_EXPORT_MINUTES,
    ...(e.BIGQUERY_API_ENDPOINT ? { apiEndpoint: e.BIGQUERY_API_ENDPOINT.replace(/\/+$/, '') } : {}),
  };
}
