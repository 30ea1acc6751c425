import { AppError, DEMO_TENANT, Role } from '@crm/core';
import { authOptions, SCOPES } from '../auth/auth.config.ts';
import { createTokenService } from '../auth/token.service.ts';
import { bootCore, readRunningServer } from '../runtime/boot.ts';
import { optional, verbOf } from './admin.args.ts';
import type { Command } from './command.types.ts';

const USAGE = 'crm token create --role ROLE [--email EMAIL] [--tenant SLUG] [--audience api|mcp] [--scope "crm:read crm:write"] [--json]';

export const tokenCommand: Command = {
  summary: 'Print a bearer token (JWT, RS256, 15 min) of the local issuer for a user, by default the first of a role in the demo tenant',
  usage: USAGE,
  help: [
    'Signs with the key pair in the database, so the running gateway accepts it. --audience api (default)',
    'is for /api/v1, /auth/me and /ws; --audience mcp for /mcp/<server>. The refresh token (7 days,',
    'one use: POST /auth/refresh) is in --json output. The issuer is CRM_PUBLIC_URL, else the',
    'address of the running "crm start", else http://HOST:PORT.',
  ].join('\n'),
  options: { role: { type: 'string' }, email: { type: 'string' }, tenant: { type: 'string' }, audience: { type: 'string' }, scope: { type: 'string' }, json: { type: 'boolean' } },
  async run({ positionals, values, logger }) {
    verbOf(positionals, 'token', ['create'] as const);
    const email = optional(values, 'email');
    const roleRaw = optional(values, 'role');
    if (!email && !roleRaw) throw AppError.validation([{ path: 'role', reason: `required unless --email is given; one of ${Role.options.join(', ')}` }], 'Missing --role (e.g. --role SALES_REP) or --email');
    const role = roleRaw === undefined ? undefined : Role.safeParse(roleRaw.toUpperCase());
    if (role && !role.success) throw AppError.validation([{ path: 'role', reason: `must be one of ${Role.options.join(', ')}` }]);
    const audience = optional(values, 'audience') ?? 'api';
    if (audience !== 'api' && audience !== 'mcp') throw AppError.validation([{ path: 'audience', reason: 'must be api or mcp' }]);
    const scopes = (optional(values, 'scope') ?? `${SCOPES.read} ${SCOPES.write}`).split(/[\s,]+/).filter(Boolean);
    const unknown = scopes.filter((s) => s !== SCOPES.read && s !== SCOPES.write);
    if (unknown.length || !scopes.length) throw AppError.validation([{ path: 'scope', reason: `must be ${SCOPES.read} and/or ${SCOPES.write}` }]);
    const booted = await bootCore(logger);
    try {
      const { core, config } = booted;
      let tenant = optional(values, 'tenant');
      if (!tenant) {
        const admins = await core.users.firstAdmins();
        tenant = admins.some((a) => a.slug === DEMO_TENANT.slug) ? DEMO_TENANT.slug : admins.length === 1 ? admins[0].slug : undefined;
        if (!tenant) throw AppError.validation([{ path: 'tenant', reason: admins.length ? 'several tenants exist: name one with --tenant SLUG' : 'no tenant yet' }]);
      }
      let userEmail = email;
      if (!userEmail) {
        const [admin] = await core.users.firstAdmins(tenant);
        if (!admin) throw AppError.notFound('Tenant', tenant);
        const actor = await core.users.actorByEmail(admin.email, tenant);
        const candidates = (await core.users.list(actor, { role: role!.data })).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.email.localeCompare(b.email));
        if (!candidates.length) throw new AppError('NOT_FOUND', `No active ${role!.data} in tenant ${tenant}`, { details: [{ path: 'role', reason: 'no active user with this role' }] });
        userEmail = candidates[0].email;
      }
      const user = await core.users.actorByEmail(userEmail, tenant);
      if (role?.success && user.role !== role.data) throw AppError.validation([{ path: 'role', reason: `${user.email} is ${user.role}, not ${role.data}` }]);
      const publicUrl = config.authEnv.CRM_PUBLIC_URL ? undefined : readRunningServer(config)?.httpUrl;
      const options = authOptions(publicUrl ? { ...config.authEnv, CRM_PUBLIC_URL: publicUrl } : config.authEnv, config.http);
      const tokens = createTokenService(core, options);
      const issued = await tokens.issue(user, { audience, scopes });
      if (values.json === true) {
        process.stdout.write(`${JSON.stringify({ ...issued, issuer: tokens.issuer, user: { id: user.userId, email: user.email, role: user.role, tenant } }, null, 2)}\n`);
      } else {
        process.stdout.write(`${issued.accessToken}\n`);
        process.stderr.write(`Bearer token for ${user.email} (${user.role}, ${tenant}), audience ${issued.audience}, valid ${Math.round(issued.expiresIn / 60)} min.\n`);
      }
      return 0;
    } finally {
      await booted.close();
    }
  },
};
