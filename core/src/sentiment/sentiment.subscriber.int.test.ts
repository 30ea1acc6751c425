import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { silentLogger } from '../logger.ts';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '../testing/index.ts';
import { analyzeSentiment } from './sentiment.analyzer.ts';
import { createSentimentSubscriber } from './sentiment.subscriber.ts';

describe.each(testDbKinds())('sentiment on interaction.logged (%s)', (kind) => {
  let t: TestDatabase;
  let core: CrmCore;
  let f: TenantFixture;
  let contactId: string;

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    core = createCrmCore({ db: t.db, logger: silentLogger(), knowledge: { indexInteractions: false } });
    f = await createTenantFixture(core);
    contactId = (await core.contacts.create(f.admin, { firstName: 'Ann', lastName: 'Lee', email: 'ann@x.test' })).id;
  });
  afterAll(() => t.drop());

  it('stores the lexicon score, keeps a logged one, and uses the model when it answers', async () => {
    const unsubscribe = core.outbox.subscribe(createSentimentSubscriber({ db: t.db }));
    const angry = await core.interactions.log(f.admin, { contactId, type: 'EMAIL', channel: 'EMAIL', direction: 'INBOUND', subject: 'Invoice', content: 'Angry: the invoice is wrong again, this is unacceptable.' });
    const given = await core.interactions.log(f.admin, { contactId, type: 'EMAIL', channel: 'EMAIL', direction: 'INBOUND', content: 'terrible', sentiment: { score: 0.9, confidence: 1, emotions: [] } });
    await core.outbox.drain();
    unsubscribe();
    const read = async (id: string) => (await t.db.readAsTenant(f.tenantId, [{ sql: 'SELECT sentiment FROM interactions WHERE id = $1', params: [id] }]))[0][0].sentiment as { score: number; emotions: string[] };
    const stored = await read(angry.id);
    expect(stored.score).toBeLessThan(-0.5);
    expect(stored.emotions).toContain('anger');
    expect((await read(given.id)).score).toBe(0.9);

    const unsubscribeModel = core.outbox.subscribe(createSentimentSubscriber({ db: t.db, model: async () => ({ score: 0.42, confidence: 0.8, emotions: ['joy'] }) }));
    const byModel = await core.interactions.log(f.admin, { contactId, type: 'CHAT', channel: 'CHAT', direction: 'INBOUND', content: 'ok' });
    await core.outbox.drain();
    unsubscribeModel();
    expect((await read(byModel.id)).score).toBe(0.42);
  });

  it("scores a batch of interactions of several tenants in one delivery, each as it would be alone", async () => {
    const g = await createTenantFixture(core);
    const other = (await core.contacts.create(g.admin, { firstName: 'Bo', lastName: 'Ng', email: 'bo@x.test' })).id;
    const texts = ['We love the new dashboard, thank you!', 'The export is broken and support never answered.', 'Meeting moved to Tuesday.'];
    const logged = [
      ...(await Promise.all(texts.map((content) => core.interactions.log(f.admin, { contactId, type: 'EMAIL', channel: 'EMAIL', direction: 'INBOUND', content })))).map((i, k) => ({ id: i.id, tenant: f.tenantId, text: texts[k] })),
      ...(await Promise.all(texts.slice(0, 2).map((content) => core.interactions.log(g.admin, { contactId: other, type: 'CHAT', channel: 'CHAT', direction: 'INBOUND', content })))).map((i, k) => ({ id: i.id, tenant: g.tenantId, text: texts[k] })),
    ];
    const sub = createSentimentSubscriber({ db: t.db });
    let batches = 0;
    const unsubscribe = core.outbox.subscribe({ ...sub, handler: () => Promise.reject(new Error('not one at a time')), handleBatch: (events, ctx) => (batches++, sub.handleBatch!(events, ctx)) });
    await core.outbox.drain();
    unsubscribe();
    expect(batches).toBe(1);
    for (const one of logged) {
      const [[row]] = await t.db.readAsTenant(one.tenant, [{ sql: 'SELECT sentiment FROM interactions WHERE id = $1', params: [one.id] }]);
      expect(row.sentiment).toEqual(JSON.parse(JSON.stringify(analyzeSentiment(one.text))));
    }
  });

  it('falls back to the lexicon when the model answers nonsense', async () => {
    const unsubscribe = core.outbox.subscribe(createSentimentSubscriber({ db: t.db, model: async () => ({ score: 7 }) as never }));
    const i = await core.interactions.log(f.admin, { contactId, type: 'EMAIL', channel: 'EMAIL', direction: 'INBOUND', content: 'Thanks, great work, we are delighted!' });
    await core.outbox.drain();
    unsubscribe();
    const [[row]] = await t.db.readAsTenant(f.tenantId, [{ sql: 'SELECT sentiment FROM interactions WHERE id = $1', params: [i.id] }]);
    expect((row.sentiment as { score: number }).score).toBeGreaterThan(0.5);
  });
});
