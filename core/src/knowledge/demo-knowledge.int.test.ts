import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { silentLogger } from '../logger.ts';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '../testing/index.ts';
import { unfinishedDemoKnowledge } from './demo-knowledge.ts';

// What `crm start` checks to resume a demo knowledge load that a stopped first start cut short.
describe.each(testDbKinds())('unfinished knowledge load detection on %s', (kind) => {
  let t: TestDatabase;
  let core: CrmCore;
  let f: TenantFixture;
  const slug = `resume${Date.now().toString(36)}`;

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    core = createCrmCore({ db: t.db, logger: silentLogger(), knowledge: { indexInteractions: false } });
    f = await createTenantFixture(core, slug);
  });
  afterAll(() => t.drop());

  it('names the tenant admin while interactions are unindexed, and nothing once the backfill ran', async () => {
    expect(await unfinishedDemoKnowledge(t.db, 'no-such-tenant')).toBeNull();
    expect(await unfinishedDemoKnowledge(t.db, slug)).toBeNull(); // nothing to index yet
    const c = await core.contacts.create(f.admin, { firstName: 'Kay', lastName: 'Bee', email: 'kay@resume.io' });
    await core.interactions.log(f.admin, { contactId: c.id, type: 'PHONE_CALL', channel: 'PHONE', direction: 'OUTBOUND', content: 'Discussed the retainer and onboarding plan.' });
    expect(await unfinishedDemoKnowledge(t.db, slug)).toEqual({ userId: f.admin.userId, tenantId: f.tenantId, role: 'ADMIN' });
    // the backfill as the tenant's first knowledge write (no document before it): on PGlite this
    // once deadlocked, asking about vector support on a second connection inside its transaction
    await core.knowledge.backfillInteractions(f.tenantId);
    expect(await unfinishedDemoKnowledge(t.db, slug)).toBeNull();
  });
});
