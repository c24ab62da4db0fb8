import type { DepotEvents } from '../core/events.js';

/** One event as it travels between nodes. */
export interface RelayedEvent {
  readonly name: keyof DepotEvents;
  readonly record: DepotEvents[keyof DepotEvents][0];
}

/**
 * Carries each node's upload and job events to every other node that shares it, so a client's
 * event stream shows what happens on whichever node does it. Best effort: an event lost while
 * the relay is down is not sent again (the records in the store stay the truth).
 */
export interface EventRelay {
  /** Sends an event of this node to the others; never throws (failures are reported). */
  publish(event: RelayedEvent): void;
  /** Calls `handler` with each event from another node (not those this node published). */
  subscribe(handler: (event: RelayedEvent) => void): Promise<void>;
  close(): Promise<void>;
}
