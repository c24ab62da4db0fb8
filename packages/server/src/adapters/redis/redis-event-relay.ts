import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { EventRelay, RelayedEvent } from '../../ports/event-relay.js';

interface Message extends RelayedEvent {
  /** the node that published it: a node skips its own */
  readonly node: string;
}

/**
 * The event relay on Redis pub/sub: one channel, `<prefix>:events`, that every node publishes its
 * events to and subscribes to. Publishing never waits on a Redis that is down: the connection has
 * no offline queue, so the event is dropped at once and the failure reported.
 */
export class RedisEventRelay implements EventRelay {
  readonly #node = randomUUID();
  readonly #channel: string;
  readonly #publisher: Redis;
  readonly #subscriber: Redis;
  readonly #onError: (err: unknown) => void;

  private constructor(publisher: Redis, subscriber: Redis, channel: string, onError: (err: unknown) => void) {
    this.#publisher = publisher;
    this.#subscriber = subscriber;
    this.#channel = channel;
    this.#onError = onError;
  }

  /** Connects (two connections: one publishes, one subscribes); fails if Redis does not answer. */
  static async open(url: string, prefix: string, onError: (err: unknown) => void): Promise<RedisEventRelay> {
    const publisher = new Redis(url, { lazyConnect: true, enableOfflineQueue: false });
    const subscriber = new Redis(url, { lazyConnect: true });
    for (const r of [publisher, subscriber]) r.on('error', onError);
    try {
      await publisher.connect();
      await subscriber.connect();
    } catch (err) {
      publisher.disconnect();
      subscriber.disconnect();
      throw err;
    }
    return new RedisEventRelay(publisher, subscriber, `${prefix}:events`, onError);
  }

  publish(event: RelayedEvent): void {
    const message: Message = { node: this.#node, name: event.name, record: event.record };
    this.#publisher.publish(this.#channel, JSON.stringify(message)).catch(this.#onError);
  }

  async subscribe(handler: (event: RelayedEvent) => void): Promise<void> {
    this.#subscriber.on('message', (channel: string, raw: string) => {
      if (channel !== this.#channel) return;
      let m: Message;
      try {
        m = JSON.parse(raw) as Message;
      } catch (err) {
        this.#onError(err);
        return;
      }
      if (m.node !== this.#node) handler({ name: m.name, record: m.record });
    });
    await this.#subscriber.subscribe(this.#channel);
  }

  async close(): Promise<void> {
    this.#publisher.disconnect();
    this.#subscriber.disconnect();
  }
}
