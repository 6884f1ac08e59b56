import type { EventStore, JSONRPCMessage } from './sdkHttp';

/** What one session keeps for clients that reconnect to a stream: the newest messages, up to this many bytes. */
const MAX_BYTES = 256 * 1024;

interface StoredEvent {
  id: string;
  streamId: string;
  message: JSONRPCMessage;
  bytes: number;
}

/**
 * The messages of one HTTP session's SSE streams, so a client whose connection dropped can reconnect
 * with Last-Event-ID and get what it missed (SEP-1699). Only the newest are kept, within MAX_BYTES:
 * a client that was away longer than that starts over.
 */
export class RecentEventStore implements EventStore {
  private readonly events: StoredEvent[] = [];
  private bytes = 0;
  private next = 0;

  storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    const event = { id: `${streamId}.${++this.next}`, streamId, message, bytes: JSON.stringify(message).length };
    this.events.push(event);
    this.bytes += event.bytes;
    while (this.bytes > MAX_BYTES && this.events.length > 1) this.bytes -= this.events.shift()!.bytes;
    return Promise.resolve(event.id);
  }

  getStreamIdForEventId(eventId: string): Promise<string | undefined> {
    return Promise.resolve(this.events.find((event) => event.id === eventId)?.streamId);
  }

  async replayEventsAfter(
    lastEventId: string,
    { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> },
  ): Promise<string> {
    const index = this.events.findIndex((event) => event.id === lastEventId);
    if (index < 0) throw new Error('That event is no longer kept; start the request again.');
    const { streamId } = this.events[index]!;
    // Priming events carry an empty message; there is nothing to send again for them.
    for (const event of this.events.slice(index + 1))
      if (event.streamId === streamId && Object.keys(event.message).length) await send(event.id, event.message);
    return streamId;
  }
}
