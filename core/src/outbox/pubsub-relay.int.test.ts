import type { Message, PubSub as PubSubClient } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { silentLogger } from '../logger.ts';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '../testing/index.ts';
import { pubSubEmulatorAvailable, startPubSubEmulator, type PubSubEmulator } from '../testing/pubsub-emulator.ts';
import { PUBSUB_RELAY_CONSUMER, createPubSubRelay, type PubSubRelay } from './pubsub-relay.ts';

const PROJECT = 'crm-test';

/** Pulls everything a subscription receives (acked), keyed by the outbox event id. */
function collect(client: PubSubClient, subscription: string) {
  const got: Message[] = [];
  const sub = client.subscription(subscription);
  sub.on('message', (m: Message) => {
    got.push(m);
    m.ack();
  });
  sub.on('error', () => {});
  return { got, close: () => sub.close() };
}

async function until(what: string, check: () => boolean | Promise<boolean>, tick: () => Promise<unknown> = async () => {}, limitMs = 60_000) {
  const end = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await tick();
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The relay against Google's real Pub/Sub emulator (Java), started by the test. */
describe.skipIf(!pubSubEmulatorAvailable())('Pub/Sub relay of outbox events (real emulator)', () => {
  let emulator: PubSubEmulator;
  let client: PubSubClient;
  const previous = process.env.PUBSUB_EMULATOR_HOST;

  beforeAll(async () => {
    emulator = await startPubSubEmulator();
    process.env.PUBSUB_EMULATOR_HOST = emulator.host;
    // no GCE metadata server here: the client must not go looking for one
    process.env.METADATA_SERVER_DETECTION = 'none';
    const { PubSub } = await import('@google-cloud/pubsub');
    client = new PubSub({ projectId: PROJECT });
  }, 180_000);
  afterAll(async () => {
    await client?.close();
    await emulator?.stop();
    if (previous === undefined) delete process.env.PUBSUB_EMULATOR_HOST;
    else process.env.PUBSUB_EMULATOR_HOST = previous;
  });

  describe.each(testDbKinds())('on %s', (kind) => {
    let t: TestDatabase;
    let core: CrmCore;
    let f: TenantFixture;
    let relay: PubSubRelay | undefined;

    beforeAll(async () => {
      t = await openTestDatabase(kind);
      core = createCrmCore({ db: t.db, logger: silentLogger(), outbox: { pollMs: 50 } });
      f = await createTenantFixture(core);
      await core.outbox.drain();
    });
    afterAll(async () => {
      await relay?.stop();
      await core.outbox.stop();
      await t.drop();
    });

    it('publishes every committed event once, in order per contact, with the event id to de-duplicate by', async () => {
      const topic = `events-${kind}-${Date.now()}`;
      relay = createPubSubRelay(core.outbox, { topic, projectId: PROJECT, createTopic: true, eventTypes: [] }, silentLogger());
      await relay.start();
      const [sub] = await client.topic(topic).createSubscription(`${topic}-sub`, { enableMessageOrdering: true });
      const inbox = collect(client, sub.name);
      try {
        const a = await core.contacts.create(f.manager, { firstName: 'Pub', lastName: 'Sub', email: 'pub@sub.io' });
        const b = await core.contacts.create(f.manager, { firstName: 'Other', lastName: 'One', email: 'other@sub.io' });
        for (let i = 0; i < 5; i++) await core.contacts.update(f.manager, a.id, { position: `role ${i}` });
        await core.contacts.changeStatus(f.manager, b.id, { status: 'PROSPECT' });
        await core.outbox.drain();
        const expected = (
          await t.db.asWorker((c) =>
            c.query<{ id: string; type: string; aggregate_id: string; seq: string }>(
              'SELECT id, type, aggregate_id, seq FROM outbox_events WHERE aggregate_id = ANY($1::uuid[]) ORDER BY seq',
              [[a.id, b.id]],
            ),
          )
        ).rows;
        expect(expected.length).toBe(8);
        await until('8 messages', () => inbox.got.filter((m) => expected.some((e) => e.id === m.attributes.eventId)).length >= 8);
        const mine = inbox.got.filter((m) => expected.some((e) => e.id === m.attributes.eventId));
        expect(new Set(mine.map((m) => m.attributes.eventId)).size).toBe(8);
        for (const m of mine) {
          const row = expected.find((e) => e.id === m.attributes.eventId)!;
          const body = JSON.parse(m.data.toString('utf8'));
          expect(body).toMatchObject({ id: row.id, type: row.type, tenantId: f.tenantId, aggregateType: 'contact', aggregateId: row.aggregate_id });
          expect(m.attributes).toMatchObject({ type: row.type, tenantId: f.tenantId, aggregateId: row.aggregate_id });
          expect(m.orderingKey).toBe(`${f.tenantId}:contact:${row.aggregate_id}`);
        }
        // per contact, the subscriber sees the commit order
        const seqOf = (m: Message) => Number(m.attributes.seq);
        const ofA = mine.filter((m) => m.attributes.aggregateId === a.id).map(seqOf);
        expect(ofA).toEqual([...ofA].sort((x, y) => x - y));
        expect(ofA).toHaveLength(6);
        // recorded as dispatched (every consumer handled them): a second drain publishes nothing more
        const dispatched = await t.db.asWorker((c) =>
          c.query('SELECT count(*)::int AS n FROM outbox_events WHERE dispatched_at IS NOT NULL AND id = ANY($1::uuid[])', [expected.map((e) => e.id)]),
        );
        expect(dispatched.rows[0].n).toBe(8);
        const before = relay.published();
        await core.contacts.update(f.manager, b.id, { company: 'Later' });
        await core.outbox.drain();
        await core.outbox.drain();
        expect(relay.published()).toBe(before + 1);
      } finally {
        await inbox.close();
        await relay.stop();
        relay = undefined;
      }
    });

    it('a missing topic is a clear start error; the events wait in the outbox and go out once the topic exists', async () => {
      const topic = `missing-${kind}-${Date.now()}`;
      relay = createPubSubRelay(core.outbox, { topic, projectId: PROJECT, createTopic: false, eventTypes: ['contact.created'] }, silentLogger());
      await expect(relay.start()).rejects.toThrow(`Pub/Sub topic "${topic}" does not exist in project "${PROJECT}" (create it, or set PUBSUB_CREATE_TOPIC=true)`);
      const c = await core.contacts.create(f.manager, { firstName: 'Wait', lastName: 'Ing', email: 'waiting@sub.io' });
      await core.outbox.drain();
      const row = async () =>
        (await t.db.asWorker((q) => q.query<{ id: string; last_error: string | null; dispatched_at: Date | null }>("SELECT id, last_error, dispatched_at FROM outbox_events WHERE aggregate_id = $1 AND type = 'contact.created'", [c.id]))).rows[0];
      const failed = await row();
      expect(failed.last_error).toContain(`${PUBSUB_RELAY_CONSUMER}: Pub/Sub topic "${topic}" does not exist`);
      expect(failed.dispatched_at).toBeNull();

      await client.createTopic(topic);
      const [sub] = await client.topic(topic).createSubscription(`${topic}-sub`);
      const inbox = collect(client, sub.name);
      try {
        // the dispatcher's backoff (2 s after the first failure) lets it through on a later pass
        await until('the waiting event', () => inbox.got.some((m) => m.attributes.eventId === failed.id), () => core.outbox.drain());
        expect((await row()).dispatched_at).not.toBeNull();
        // only contact.created is relayed (PUBSUB_EVENT_TYPES)
        await core.contacts.update(f.manager, c.id, { company: 'Filtered' });
        await core.outbox.drain();
        expect(inbox.got.every((m) => m.attributes.type === 'contact.created')).toBe(true);
      } finally {
        await inbox.close();
      }
    });
  });
});
