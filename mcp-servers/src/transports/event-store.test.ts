import { describe, expect, it } from 'vitest';
import { BoundedEventStore } from './event-store.ts';

const msg = (id: number) => ({ jsonrpc: '2.0' as const, id, result: {} });

describe('BoundedEventStore', () => {
  it('replays the events of the same stream after the given one, skipping priming events', async () => {
    const store = new BoundedEventStore();
    const prime = await store.storeEvent('s1', {} as never);
    await store.storeEvent('s2', msg(99));
    const e1 = await store.storeEvent('s1', msg(1));
    await store.storeEvent('s1', msg(2));
    const sent: unknown[] = [];
    expect(await store.replayEventsAfter(prime, { send: async (_id, m) => void sent.push(m) })).toBe('s1');
    expect(sent).toEqual([msg(1), msg(2)]);
    sent.length = 0;
    await store.replayEventsAfter(e1, { send: async (_id, m) => void sent.push(m) });
    expect(sent).toEqual([msg(2)]);
    expect(await store.getStreamIdForEventId(e1)).toBe('s1');
    expect(await store.getStreamIdForEventId('unknown')).toBeUndefined();
  });

  it('keeps only the newest events, so a long session cannot grow without bound', async () => {
    const store = new BoundedEventStore(10);
    const first = await store.storeEvent('s', msg(0));
    for (let i = 1; i < 1000; i++) await store.storeEvent('s', msg(i));
    expect(store.size).toBe(10);
    expect(await store.getStreamIdForEventId(first)).toBeUndefined();
    expect(await store.replayEventsAfter(first, { send: async () => {} })).toBe('');
  });
});
