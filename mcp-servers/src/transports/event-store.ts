import type { EventId, EventStore, StreamId } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

interface Stored {
  id: EventId;
  streamId: StreamId;
  message: JSONRPCMessage;
}

/**
 * Per-session, bounded event store for Streamable HTTP resumability: a client that lost an SSE
 * stream reconnects with Last-Event-ID and gets what it missed. Only the newest `maxEvents`
 * events are kept (oldest dropped first), so a long-lived session cannot grow without limit;
 * the store dies with its session.
 */
export class BoundedEventStore implements EventStore {
  private readonly events = new Map<EventId, Stored>();
  private seq = 0;

  constructor(private readonly maxEvents = 500) {}

  get size(): number {
    return this.events.size;
  }

  async storeEvent(streamId: StreamId, message: JSONRPCMessage): Promise<EventId> {
    const id = `${streamId}:${(++this.seq).toString(36)}`;
    this.events.set(id, { id, streamId, message });
    if (this.events.size > this.maxEvents) this.events.delete(this.events.keys().next().value as EventId);
    return id;
  }

  async getStreamIdForEventId(eventId: EventId): Promise<StreamId | undefined> {
    return this.events.get(eventId)?.streamId;
  }

  async replayEventsAfter(lastEventId: EventId, { send }: { send: (eventId: EventId, message: JSONRPCMessage) => Promise<void> }): Promise<StreamId> {
    const last = this.events.get(lastEventId);
    if (!last) return '';
    let after = false;
    for (const event of [...this.events.values()]) {
      if (event.id === lastEventId) after = true;
      else if (after && event.streamId === last.streamId && Object.keys(event.message).length) await send(event.id, event.message);
    }
    return last.streamId;
  }

  clear(): void {
    this.events.clear();
  }
}
