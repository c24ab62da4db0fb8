import type { EventRelay } from '../ports/event-relay.js';
import { type DepotEvents, EventBus } from './events.js';

/** The events a client's event stream carries, from every node. */
const SHARED: readonly (keyof DepotEvents)[] = [
  'upload.created',
  'upload.progress',
  'upload.finished',
  'upload.terminated',
  'upload.expired',
  'job.changed',
  'job.progress',
];

/**
 * The feed of every node's events, for the event streams of clients (`GET /api/events`). The
 * node's own bus stays local, since metrics, webhooks and processing on upload must act once per
 * event, on the node where it happened; the feed adds the events other nodes relay. Without a
 * relay (one node), the feed is the node's own bus.
 */
export async function eventFeed(
  local: EventBus,
  relay: EventRelay | undefined,
): Promise<{
  readonly feed: EventBus;
  readonly stop: () => void;
}> {
  if (!relay) return { feed: local, stop: () => {} };
  const feed = new EventBus();
  const offs = SHARED.map((name) =>
    local.on(name, (record) => {
      feed.emit(name, record as never);
      relay.publish({ name, record });
    }),
  );
  await relay.subscribe(({ name, record }) => {
    if (SHARED.includes(name)) feed.emit(name, record as never);
  });
  const stop = () => {
    for (const off of offs) off();
  };
  return { feed, stop };
}
