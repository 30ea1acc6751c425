import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.ts';
import { openTestDatabase, testDbKinds, type TestDatabase } from '../testing/index.ts';
import { subscribeNotify } from './notify-listener.ts';

describe.each(testDbKinds())('shared LISTEN connection (%s)', (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind, [], { poolMax: 2 });
  }, 120_000);
  afterAll(() => t?.drop());

  /** Subscribe, wait until the LISTEN is active (or known unsupported), unsubscribe. */
  async function cycle(): Promise<boolean> {
    let listening = false;
    let resolve!: () => void;
    const active = new Promise<void>((r) => (resolve = r));
    const stop = subscribeNotify(t.db, silentLogger(), {
      channel: 'notify_listener_test',
      notify: () => {},
      state: (on) => {
        listening = on;
        if (on) resolve();
      },
    });
    await Promise.race([active, new Promise((r) => setTimeout(r, 5_000))]);
    await stop();
    return listening;
  }

  it('leaves no handlers on the pooled connection after each listen/unlisten cycle', async () => {
    const results: boolean[] = [];
    for (let i = 0; i < 25; i++) results.push(await cycle());
    // the pool (2 connections) hands its idle connections out again: none carries old handlers
    const clients = [await t.db.connect(), await t.db.connect()];
    try {
      for (const c of clients) {
        expect(c.listenerCount('notification')).toBe(0);
        expect(c.listenerCount('end')).toBeLessThanOrEqual(1); // pg's own, if any
        expect(c.listenerCount('error')).toBeLessThanOrEqual(2); // the pool's idle handler and the checkout's
      }
    } finally {
      for (const c of clients) c.release();
    }
    if (kind === 'postgres') expect(results.every(Boolean)).toBe(true); // LISTEN really ran every time
  }, 120_000);
});
