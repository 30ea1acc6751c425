import type { PubSub, Topic } from '@google-cloud/pubsub';
import type { Logger } from '../logger.ts';
import type { OutboxDispatcher } from './outbox.dispatcher.ts';
import type { OutboxEvent } from './outbox.schema.ts';
import type { PubSubConfig } from './pubsub.config.ts';

export const PUBSUB_RELAY_CONSUMER = 'pubsub-relay';

/** The message a consumer receives: the outbox event as JSON, with its id repeated as an attribute. */
export interface RelayedMessage {
  data: Buffer;
  orderingKey?: string;
  attributes: Record<string, string>;
}

/**
 * Ordering key: events of one aggregate (a contact, a workflow execution) arrive in commit order;
 * events without an aggregate are unordered. The tenant is part of the key (ids are UUIDs anyway).
 */
export function orderingKeyOf(event: OutboxEvent): string | undefined {
  return event.aggregateId ? `${event.tenantId}:${event.aggregateType}:${event.aggregateId}` : undefined;
}

export function toRelayedMessage(event: OutboxEvent): RelayedMessage {
  const orderingKey = orderingKeyOf(event);
  return {
    data: Buffer.from(JSON.stringify({ ...event, createdAt: event.createdAt.toISOString() })),
    ...(orderingKey ? { orderingKey } : {}),
    attributes: {
      eventId: event.id,
      type: event.type,
      tenantId: event.tenantId,
      aggregateType: event.aggregateType,
      ...(event.aggregateId ? { aggregateId: event.aggregateId } : {}),
      seq: String(event.seq),
    },
  };
}

export interface PubSubRelay {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Messages published since start (for health and the bench). */
  published(): number;
}

/**
 * At-least-once relay of committed outbox events to a Google Cloud Pub/Sub topic: an outbox
 * subscriber whose handler resolves only when Pub/Sub has acknowledged the publish, so a failed
 * publish is retried by the dispatcher (with its backoff and dead letters, `crm outbox failed`)
 * and later events of the same aggregate wait for it. A crash between publish and the
 * dispatcher's record re-publishes: consumers de-duplicate by the `eventId` attribute.
 * The SDK is imported only when the relay starts (PUBSUB_TOPIC set).
 */
export function createPubSubRelay(outbox: Pick<OutboxDispatcher, 'subscribe'>, config: PubSubConfig, logger: Logger): PubSubRelay {
  let client: PubSub | undefined;
  let topic: Topic | undefined;
  let unsubscribe: (() => void) | undefined;
  let count = 0;

  let ready: Promise<Topic> | undefined;
  async function openTopic(): Promise<Topic> {
    const { PubSub } = await import('@google-cloud/pubsub');
    client ??= new PubSub({ projectId: config.projectId });
    const [exists] = await client.topic(config.topic).exists();
    if (!exists) {
      if (!config.createTopic) throw new Error(`Pub/Sub topic "${config.topic}" does not exist in project "${config.projectId}" (create it, or set PUBSUB_CREATE_TOPIC=true)`);
      await client.createTopic(config.topic).catch((err: { code?: number }) => {
        if (err.code !== 6) throw err; // ALREADY_EXISTS: another replica created it
      });
    }
    return client.topic(config.topic, { messageOrdering: true, batching: { maxMessages: 500, maxMilliseconds: 5 } });
  }
  /** The topic, opened once; a failed open is tried again by the next publish. */
  function ensureTopic(): Promise<Topic> {
    ready ??= openTopic().then(
      (t) => (topic = t),
      (err) => {
        ready = undefined;
        throw err;
      },
    );
    return ready;
  }

  async function publish(event: OutboxEvent): Promise<void> {
    const message = toRelayedMessage(event);
    const t = await ensureTopic();
    try {
      await t.publishMessage(message);
      count++;
    } catch (err) {
      // a failed publish pauses its ordering key in the client until resumed; the dispatcher retries
      if (message.orderingKey) t.resumePublishing(message.orderingKey);
      throw new Error(`Pub/Sub publish to ${config.topic} failed: ${(err as Error).message}`, { cause: err });
    }
  }

  return {
    /**
     * Subscribes first (before the dispatcher starts, so no event passes unrelayed), then opens the
     * topic. When that fails the error is thrown for the runtime's health, and the subscription
     * stays: the events wait in the outbox (retried with backoff, then `crm outbox failed|retry`).
     */
    async start() {
      unsubscribe ??= outbox.subscribe({ consumer: PUBSUB_RELAY_CONSUMER, ...(config.eventTypes.length ? { types: config.eventTypes } : {}), handler: publish });
      await ensureTopic();
      logger.info({ topic: config.topic, project: config.projectId, emulator: config.emulatorHost }, 'relaying outbox events to Pub/Sub');
    },
    async stop() {
      unsubscribe?.();
      unsubscribe = undefined;
      await topic?.flush().catch((err) => logger.warn({ err }, 'Pub/Sub flush at stop failed; the dispatcher re-publishes'));
      await client?.close();
      client = undefined;
      topic = undefined;
      ready = undefined;
    },
    published: () => count,
  };
}
