import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { silentLogger } from '../logger.ts';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '../testing/index.ts';

type Who = 'admin' | 'manager' | 'rep' | 'otherRep' | 'marketing';
type Ctx = { core: CrmCore; f: TenantFixture; mine: string; theirs: string; fuMine: string };

// role × operation: true = allowed, false = PERMISSION_DENIED. "mine" is assigned to `rep`,
// "theirs" to `otherRep`.
const OPS: Record<string, { run: (c: Ctx, who: Who, i: number) => Promise<unknown>; allowed: Who[] }> = {
  'read contact': { run: (c, w) => c.core.contacts.get(c.f[w], c.theirs), allowed: ['admin', 'manager', 'rep', 'otherRep', 'marketing'] },
  'list contacts': { run: (c, w) => c.core.contacts.list(c.f[w]), allowed: ['admin', 'manager', 'rep', 'otherRep', 'marketing'] },
  'create own contact': {
    run: (c, w, i) => c.core.contacts.create(c.f[w], { firstName: 'N', lastName: w, email: `own-${w}-${i}@x.io` }),
    allowed: ['admin', 'manager', 'rep', 'otherRep'],
  },
  'create contact for another rep': {
    run: (c, w, i) => c.core.contacts.create(c.f[w], { firstName: 'N', lastName: w, email: `other-${w}-${i}@x.io`, assignedTo: c.f.otherRep.userId }),
    allowed: ['admin', 'manager', 'otherRep'],
  },
  'update own (rep) contact': { run: (c, w) => c.core.contacts.update(c.f[w], c.mine, { position: `by ${w}` }), allowed: ['admin', 'manager', 'rep'] },
  "update another rep's contact": { run: (c, w) => c.core.contacts.update(c.f[w], c.theirs, { position: `by ${w}` }), allowed: ['admin', 'manager', 'otherRep'] },
  'change status of own contact': { run: (c, w) => c.core.contacts.changeStatus(c.f[w], c.mine, { status: 'PROSPECT' }), allowed: ['admin', 'manager', 'rep'] },
  'log interaction on own contact': {
    run: (c, w) => c.core.interactions.log(c.f[w], { contactId: c.mine, type: 'CHAT', channel: 'CHAT', direction: 'INBOUND', content: w }),
    allowed: ['admin', 'manager', 'rep'],
  },
  "log interaction on another rep's contact": {
    run: (c, w) => c.core.interactions.log(c.f[w], { contactId: c.theirs, type: 'CHAT', channel: 'CHAT', direction: 'INBOUND', content: w }),
    allowed: ['admin', 'manager', 'otherRep'],
  },
  'read timeline': { run: (c, w) => c.core.interactions.timeline(c.f[w], c.mine), allowed: ['admin', 'manager', 'rep', 'otherRep'] },
  'list follow-ups': { run: (c, w) => c.core.followUps.list(c.f[w]), allowed: ['admin', 'manager', 'rep', 'otherRep'] },
  'complete own follow-up': { run: (c, w) => c.core.followUps.complete(c.f[w], c.fuMine), allowed: ['admin', 'manager', 'rep'] },
  'merge contacts': {
    run: async (c, w, i) => {
      const x = await c.core.contacts.create(c.f.admin, { firstName: 'M', lastName: 'X', email: `mx-${w}-${i}@x.io`, assignedTo: c.f.otherRep.userId });
      const y = await c.core.contacts.create(c.f.admin, { firstName: 'M', lastName: 'X', email: `my-${w}-${i}@x.io`, assignedTo: c.f.otherRep.userId });
      return c.core.merge.merge(c.f[w], { primaryId: x.id, duplicateId: y.id });
    },
    allowed: ['admin', 'manager', 'otherRep'],
  },
  'create user': { run: (c, w, i) => c.core.users.createUser(c.f[w], { email: `u-${w}-${i}@x.io`, name: 'U', role: 'SALES_REP' }), allowed: ['admin'] },
  'read audit log': { run: (c, w) => c.core.audit.list(c.f[w]), allowed: ['admin'] },
};

describe.each(testDbKinds())('RBAC matrix on %s', (kind) => {
  let t: TestDatabase;
  const ctx = {} as Ctx;
  let i = 0;

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    ctx.core = createCrmCore({ db: t.db, logger: silentLogger() });
    ctx.f = await createTenantFixture(ctx.core);
    ctx.mine = (await ctx.core.contacts.create(ctx.f.admin, { firstName: 'Mine', lastName: 'R', email: 'mine@x.io', assignedTo: ctx.f.rep.userId })).id;
    ctx.theirs = (await ctx.core.contacts.create(ctx.f.admin, { firstName: 'Theirs', lastName: 'O', email: 'theirs@x.io', assignedTo: ctx.f.otherRep.userId })).id;
  });
  afterAll(() => t.drop());

  const cases = Object.entries(OPS).flatMap(([op, spec]) =>
    (['admin', 'manager', 'rep', 'otherRep', 'marketing'] as Who[]).map((who) => [op, who, spec.allowed.includes(who)] as const),
  );

  it.each(cases)('%s as %s → allowed=%s', async (op, who, allowed) => {
    ctx.fuMine = (await ctx.core.followUps.create(ctx.f.admin, { contactId: ctx.mine, title: 't', dueAt: new Date(), ownerId: ctx.f.rep.userId })).id;
    const result = await OPS[op].run(ctx, who, i++).then(
      () => 'ok',
      (e) => e.code,
    );
    expect(result).toBe(allowed ? 'ok' : 'PERMISSION_DENIED');
  });

  it('a denied write changes nothing', async () => {
    const before = await ctx.core.contacts.get(ctx.f.admin, ctx.theirs);
    await expect(ctx.core.contacts.update(ctx.f.rep, ctx.theirs, { firstName: 'Hijacked' })).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    expect(await ctx.core.contacts.get(ctx.f.admin, ctx.theirs)).toEqual(before);
    // a rep may not hand their own contact to someone else either
    const mine = await ctx.core.contacts.get(ctx.f.admin, ctx.mine);
    await expect(ctx.core.contacts.update(ctx.f.rep, ctx.mine, { assignedTo: ctx.f.otherRep.userId, firstName: 'Moved' })).rejects.toMatchObject({
      code: 'PERMISSION_DENIED',
    });
    expect(await ctx.core.contacts.get(ctx.f.admin, ctx.mine)).toEqual(mine);
  });
});
