import { describe, expect, it } from 'vitest';
import { nodeFetch } from '../src/node-fetch.js';
import { TAKES_SHARED_BODIES, Transport } from '../src/transport.js';

/** The body a fetch (marked as taking shared memory or not) is handed for a PATCH of `body`. */
async function bodySent(takesShared: boolean, body: Uint8Array): Promise<unknown> {
  const bodies: unknown[] = [];
  const f: typeof fetch = async (_input, init) => {
    bodies.push(init?.body);
    return new Response(null, { status: 204 });
  };
  const fetch = takesShared ? Object.assign(f, { [TAKES_SHARED_BODIES]: true }) : f;
  await new Transport({ url: 'http://127.0.0.1:1', fetch }).send('PATCH', 'http://x/', {}, body, undefined);
  return bodies[0];
}

describe('Transport bodies in shared memory', () => {
  const shared = new Uint8Array(new SharedArrayBuffer(16), 4, 8).fill(7);

  it('gives a fetch that did not say it takes shared memory a copy in an ordinary buffer', async () => {
    const body = (await bodySent(false, shared)) as Uint8Array;
    expect(body.buffer).toBeInstanceOf(ArrayBuffer);
    expect([...body]).toEqual([...shared]);
  });

  it('passes it as it is to a fetch that takes it (node:http), and ordinary bodies to any fetch', async () => {
    expect((nodeFetch as { [TAKES_SHARED_BODIES]?: boolean })[TAKES_SHARED_BODIES]).toBe(true);
    expect(await bodySent(true, shared)).toBe(shared);
    const plain = new Uint8Array(8);
    expect(await bodySent(false, plain)).toBe(plain);
  });
});

describe('a server URL with a path (Depot behind a proxy under /depot)', () => {
  it('keeps the path for the API and tus alike', async () => {
    const t = new Transport({ url: 'https://proxy.example/depot/' });
    expect(t.resolve('/api/files?limit=5')).toBe('https://proxy.example/depot/api/files?limit=5');
    expect(t.resolve('/files/abc')).toBe('https://proxy.example/depot/files/abc');
    // a URL the server sent (Location) is used as it is
    expect(t.resolve('https://other.example/files/x')).toBe('https://other.example/files/x');
    const root = new Transport({ url: 'http://127.0.0.1:8080' });
    expect(root.resolve('/api/jobs')).toBe('http://127.0.0.1:8080/api/jobs');
  });
});
