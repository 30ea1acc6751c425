import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '@crm/core/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openWorkflowEnv, type WorkflowEnv } from './testing/workflow-env.ts';

/** A local HTTP receiver that holds every request open until released. */
function heldReceiver() {
  const held: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => held.push(res));
  });
  return {
    pending: () => held.length,
    release: () => held.splice(0).forEach((res) => res.end('{}')),
    url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/slow`,
    listen: () => new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r())),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe.each(testDbKinds())('workflow worker wake-ups on %s', (kind) => {
  let t: TestDatabase;
  let env: WorkflowEnv;
  let f: TenantFixture;
  const hook = heldReceiver();

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    env = await openWorkflowEnv(t.db);
    f = await createTenantFixture(env.core);
    await hook.listen();
  });
  afterAll(async () => {
    hook.release();
    await env.close();
    await hook.close();
    await t.drop();
  });

  const status = async (id: string) => (await env.core.workflows.getExecution(f.marketing, id)).status;

  it('claims a new execution the moment it is queued, while another run is still in its step and no poll can fire', async () => {
    const slow = await env.core.workflows.create(f.marketing, {
      name: 'Slow hook',
      isActive: true,
      trigger: { type: 'MANUAL', conditions: [] },
      steps: [{ id: 'hook', name: 'Hook', type: 'WEBHOOK_CALL', config: { url: hook.url(), timeoutMs: 30_000 } }],
    });
    const quick = await env.core.workflows.create(f.marketing, {
      name: 'Quick mail',
      isActive: true,
      trigger: { type: 'MANUAL', conditions: [] },
      steps: [{ id: 'mail', name: 'Mail', type: 'SEND_EMAIL', config: { to: 'quick@x.io', subject: 'quick', body: 'x' } }],
    });
    // the poll timer is an hour: only the commit wake-up can bring executions to this worker
    const worker = env.worker({ effectActor: () => f.admin, concurrency: 2, pollMs: 3_600_000 });
    await worker.start();
    const first = await env.core.workflows.execute(f.marketing, slow.id);
    await vi.waitFor(() => expect(hook.pending()).toBe(1), { timeout: 20_000, interval: 20 });

    const second = await env.core.workflows.execute(f.marketing, quick.id);
    await vi.waitFor(async () => expect(await status(second.id)).toBe('completed'), { timeout: 20_000, interval: 20 });
    // the first run is still held inside its step: the second did not wait for it to end
    expect(hook.pending()).toBe(1);
    expect(await status(first.id)).toBe('running');

    hook.release();
    await vi.waitFor(async () => expect(await status(first.id)).toBe('completed'), { timeout: 20_000, interval: 20 });
    await worker.stop();
  });
});
