import { silentLogger, type OutboxEvent } from '@crm/core';
import type { ChangeFeed, ChangeListener } from '@crm/mcp-servers';
import { describe, expect, it } from 'vitest';
import { liveEvents } from './live-events.ts';

function manualFeed(): ChangeFeed & { emit(e: OutboxEvent): void; listeners: Set<ChangeListener> } {
  const listeners = new Set<ChangeListener>();
  return {
    listeners,
    subscribe: (l) => (listeners.add(l), () => void listeners.delete(l)),
    close: async () => listeners.clear(),
    emit: (e) => listeners.forEach((l) => l(e)),
  };
}

const event = (seq: number, aggregateId = 'c1'): OutboxEvent => ({
  id: `e${seq}`,
  seq,
  tenantId: 't1',
  type: 'contact.updated',
  aggregateType: 'contact',
  aggregateId,
  actorId: null,
  payload: {},
  createdAt: new Date(0),
});

const flush = () => new Promise((r) => setImmediate(r));

describe('liveEvents', () => {
  it('yields the initial values, then matching events in order, skipping what load drops', async () => {
    const feed = manualFeed();
    const it = liveEvents<number>({
      feed,
      match: (e) => e.aggregateId === 'c1',
      load: async (e) => (e.seq === 3 ? [] : [e.seq]),
      initial: async () => [0],
      maxQueued: 10,
      onOverflow: () => {},
      logger: silentLogger(),
    });
    for (const seq of [1, 2, 3, 4]) feed.emit(event(seq));
    feed.emit(event(5, 'other'));
    const got: number[] = [];
    for (let i = 0; i < 4; i++) got.push((await it.next()).value as number);
    expect(got).toEqual([0, 1, 2, 4]);
  });

  it('ends at once on return() while waiting, and detaches from the feed', async () => {
    const feed = manualFeed();
    const it = liveEvents<number>({ feed, match: () => true, load: async (e) => [e.seq], maxQueued: 10, onOverflow: () => {}, logger: silentLogger() });
    const pending = it.next();
    await it.return!();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(feed.listeners.size).toBe(0);
  });

  it('cuts off a reader that falls more than maxQueued behind, and completes after a last value', async () => {
    const feed = manualFeed();
    let overflowed = 0;
    const slow = liveEvents<number>({ feed, match: () => true, load: async (e) => [e.seq], maxQueued: 3, onOverflow: () => overflowed++, logger: silentLogger() });
    for (let seq = 1; seq <= 5; seq++) {
      feed.emit(event(seq));
      await flush();
    }
    expect(overflowed).toBe(1);
    expect(feed.listeners.size).toBe(0);
    await slow.return!();

    const finite = liveEvents<number>({ feed, match: () => true, load: async (e) => [e.seq], isLast: (v) => v === 2, maxQueued: 10, onOverflow: () => {}, logger: silentLogger() });
    for (const seq of [1, 2, 3]) feed.emit(event(seq));
    expect(await finite.next()).toEqual({ value: 1, done: false });
    expect(await finite.next()).toEqual({ value: 2, done: false });
    expect(await finite.next()).toEqual({ value: undefined, done: true });
  });
});
