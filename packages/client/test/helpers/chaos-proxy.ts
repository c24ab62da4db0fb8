import net from 'node:net';

export interface ChaosOptions {
  /** share of connections answered at once with a 500 (nothing reaches the server) */
  readonly errorRate: number;
  /** every other connection is cut at a byte drawn uniformly within this many (both directions counted) */
  readonly cutWithin: number;
  readonly seed: number;
}

export interface ChaosProxy {
  readonly url: string;
  readonly stats: { connections: number; errors: number; cuts: number };
  close(): Promise<void>;
}

/** mulberry32: a seeded PRNG, so a failing run can be replayed with its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A TCP proxy in front of `target` that misbehaves: some connections get an HTTP 500 instead of
 * the server, the others are cut (both sides destroyed) at a random byte. Keep-alive cannot
 * hide the faults: no connection lives longer than `cutWithin` bytes.
 */
export async function chaosProxy(target: string, options: ChaosOptions): Promise<ChaosProxy> {
  const { hostname, port } = new URL(target);
  const random = prng(options.seed);
  const stats = { connections: 0, errors: 0, cuts: 0 };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    stats.connections++;
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => {});
    const roll = random();
    if (roll < options.errorRate) {
      stats.errors++;
      client.once('data', () => {
        client.end('HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      });
      return;
    }
    const cutAt = Math.floor(random() * options.cutWithin);
    const upstream = net.connect(Number(port), hostname);
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    let passed = 0;
    const relay = (from: net.Socket, to: net.Socket) =>
      from.on('data', (chunk: Buffer) => {
        passed += chunk.length;
        if (passed >= cutAt) {
          stats.cuts++;
          const keep = chunk.length - (passed - cutAt);
          if (keep > 0) to.write(chunk.subarray(0, keep));
          client.destroy();
          upstream.destroy();
          return;
        }
        if (!to.write(chunk)) {
          from.pause();
          to.once('drain', () => from.resume());
        }
      });
    relay(client, upstream);
    relay(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    stats,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
