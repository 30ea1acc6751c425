import { execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Message, PubSub as PubSubClient } from '@google-cloud/pubsub';
import { pubSubEmulatorAvailable, startPubSubEmulator, type PubSubEmulator } from '@crm/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRM_BIN as BIN, startCrm } from '../testing/crm-process.ts';


/** PUBSUB_TOPIC makes a real `crm start` relay the outbox to Google's Pub/Sub emulator. */
describe.skipIf(!pubSubEmulatorAvailable())('Pub/Sub relay in a real crm start (emulator)', () => {
  let dir: string;
  let emulator: PubSubEmulator;
  let client: PubSubClient;
  let proc: ChildProcess | undefined;
  const topic = 'crm-events';

  const env = () => ({
    ...process.env,
    CRM_DATA_DIR: path.join(dir, 'data'),
    DATABASE_URL: '',
    LOG_LEVEL: 'warn',
    PUBSUB_TOPIC: topic,
    PUBSUB_PROJECT_ID: 'crm-gke-test',
    PUBSUB_CREATE_TOPIC: 'true',
    PUBSUB_EMULATOR_HOST: emulator.host,
    METADATA_SERVER_DETECTION: 'none',
  });
  const crm = (...args: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [BIN, ...args], { env: env(), encoding: 'utf8', timeout: 240_000 }, (err, stdout, stderr) =>
        resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-pubsub-'));
    emulator = await startPubSubEmulator();
    const { PubSub } = await import('@google-cloud/pubsub');
    process.env.PUBSUB_EMULATOR_HOST = emulator.host;
    process.env.METADATA_SERVER_DETECTION = 'none';
    client = new PubSub({ projectId: 'crm-gke-test' });
    const seeded = await crm('seed', '--demo', '--contacts', '5', '--no-knowledge');
    expect(seeded.status, seeded.stderr).toBe(0);
  }, 400_000);
  afterAll(async () => {
    proc?.kill('SIGKILL');
    await client?.close();
    await emulator?.stop();
    delete process.env.PUBSUB_EMULATOR_HOST;
    delete process.env.METADATA_SERVER_DETECTION;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a contact created over REST reaches the topic as contact.created, keyed by the contact, and /health lists the relay', async () => {
    const token = await crm('token', 'create', '--role', 'SALES_MANAGER');
    expect(token.status, token.stderr).toBe(0);
    const { url } = await startCrm(env(), { started: (p) => (proc = p) });
    const health = (await (await fetch(`${url}/health`)).json()) as { checks: { services: { name: string; status: string }[] } };
    expect(health.checks.services.find((s) => s.name === 'pubsub-relay')).toMatchObject({ status: 'running' });
    // the relay created the topic at start (PUBSUB_CREATE_TOPIC)
    const [sub] = await client.topic(topic).createSubscription('crm-events-test', { enableMessageOrdering: true });
    const got: Message[] = [];
    sub.on('message', (m: Message) => (got.push(m), m.ack()));
    sub.on('error', () => {});
    try {
      const res = await fetch(`${url}/api/v1/contacts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token.stdout.trim()}`, 'content-type': 'application/json' },
        body: JSON.stringify({ firstName: 'Relay', lastName: 'Tester', email: 'relay.tester@pubsub.io' }),
      });
      expect(res.status).toBe(201);
      const contact = (await res.json()) as { id: string; tenantId: string };
      const end = Date.now() + 60_000;
      while (!got.some((m) => m.attributes.aggregateId === contact.id) && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
      const mine = got.filter((m) => m.attributes.aggregateId === contact.id);
      expect(mine.map((m) => m.attributes.type)).toContain('contact.created');
      const created = mine.find((m) => m.attributes.type === 'contact.created')!;
      expect(created.orderingKey).toBe(`${contact.tenantId}:contact:${contact.id}`);
      expect(JSON.parse(created.data.toString())).toMatchObject({ id: created.attributes.eventId, type: 'contact.created', payload: { contact: { email: 'relay.tester@pubsub.io' } } });
    } finally {
      await sub.close();
    }
  });
});
