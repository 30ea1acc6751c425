import type { Actor, CrmCore } from '@crm/core';
import { AppError } from '@crm/core/contracts';
import { processConfig } from '../runtime/process-config.ts';

export const ACTOR_OPTIONS = {
  user: { type: 'string' },
  tenant: { type: 'string' },
} as const;

/**
 * Who a CLI command acts as: `--user EMAIL [--tenant SLUG]`, else CRM_API_KEY, else the first
 * active admin of `--tenant SLUG` or — when the database holds exactly one tenant — of that tenant.
 */
export async function resolveCliActor(
  core: CrmCore,
  values: { user?: unknown; tenant?: unknown },
  apiKey: string | undefined = processConfig().cliApiKey,
): Promise<Actor & { email: string; name: string }> {
  const tenant = typeof values.tenant === 'string' ? values.tenant : undefined;
  if (typeof values.user === 'string') return core.users.actorByEmail(values.user, tenant);
  if (apiKey) return core.users.authenticate(apiKey);
  const admins = await core.users.firstAdmins(tenant);
  if (admins.length === 1) return core.users.actorByEmail(admins[0].email, admins[0].slug);
  if (tenant) throw new AppError('UNAUTHENTICATED', `No tenant "${tenant}" with an active admin: see "npx crm tenant list"`);
  if (!admins.length) throw new AppError('UNAUTHENTICATED', 'No tenant yet: run "npx crm tenant create --name NAME --slug SLUG --admin-email EMAIL" (or "npx crm seed --demo")');
  throw new AppError('UNAUTHENTICATED', 'Several tenants exist: say who you are with --tenant SLUG, --user EMAIL [--tenant SLUG] or CRM_API_KEY');
}
