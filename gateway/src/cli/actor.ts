import { AppError, type Actor, type CrmCore } from '@crm/core';

export const ACTOR_OPTIONS = {
  user: { type: 'string' },
  tenant: { type: 'string' },
} as const;

/**
 * Who a CLI command acts as: `--user EMAIL [--tenant SLUG]`, else CRM_API_KEY, else — when the
 * database holds exactly one tenant (the demo on a fresh install) — that tenant's first admin.
 */
export async function resolveCliActor(
  core: CrmCore,
  values: { user?: unknown; tenant?: unknown },
  env: NodeJS.ProcessEnv = process.env,
): Promise<Actor & { email: string; name: string }> {
  if (typeof values.user === 'string') return core.users.actorByEmail(values.user, typeof values.tenant === 'string' ? values.tenant : undefined);
  if (env.CRM_API_KEY) return core.users.authenticate(env.CRM_API_KEY);
  const admins = await core.db.asWorker(async (c) =>
    (
      await c.query<{ email: string; slug: string }>(
        `SELECT DISTINCT ON (t.id) u.email, t.slug FROM tenants t JOIN users u ON u.tenant_id = t.id AND u.role = 'ADMIN'
         ORDER BY t.id, u.created_at`,
      )
    ).rows,
  );
  if (admins.length === 1) return core.users.actorByEmail(admins[0].email, admins[0].slug);
  if (!admins.length) throw new AppError('UNAUTHENTICATED', 'No tenant yet: run "npx crm seed --demo" or "npx crm start" first');
  throw new AppError('UNAUTHENTICATED', 'Several tenants exist: say who you are with --user EMAIL [--tenant SLUG] or CRM_API_KEY');
}
