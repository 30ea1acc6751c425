import type { CrmCore } from '../crm-core.ts';
import type { Actor, Role } from '../users/user.schema.ts';

export interface TenantFixture {
  tenantId: string;
  admin: Actor;
  manager: Actor;
  rep: Actor;
  otherRep: Actor;
  marketing: Actor;
  apiKeys: Record<'admin' | 'manager' | 'rep' | 'otherRep' | 'marketing', string>;
}

let counter = 0;

/** A tenant with one user of every role (two reps, to test `:own`). */
export async function createTenantFixture(core: CrmCore, slug = `t${Date.now().toString(36)}${counter++}`): Promise<TenantFixture> {
  const created = await core.users.createTenant({ name: `Tenant ${slug}`, slug, admin: { email: `admin@${slug}.test`, name: 'Ada Admin' } });
  const admin: Actor = { tenantId: created.tenant.id, userId: created.admin.id, role: 'ADMIN' };
  const make = async (key: string, role: Role) => {
    const { user, apiKey } = await core.users.createUser(admin, { email: `${key}@${slug}.test`, name: key, role });
    return { actor: { tenantId: user.tenantId, userId: user.id, role } satisfies Actor, apiKey };
  };
  const manager = await make('manager', 'SALES_MANAGER');
  const rep = await make('rep', 'SALES_REP');
  const otherRep = await make('otherrep', 'SALES_REP');
  const marketing = await make('marketing', 'MARKETING_MANAGER');
  return {
    tenantId: created.tenant.id,
    admin,
    manager: manager.actor,
    rep: rep.actor,
    otherRep: otherRep.actor,
    marketing: marketing.actor,
    apiKeys: { admin: created.apiKey, manager: manager.apiKey, rep: rep.apiKey, otherRep: otherRep.apiKey, marketing: marketing.apiKey },
  };
}
