import { describe, expect, it } from 'vitest';
import { nodeFetch } from '../src/node-fetch.js';
import { TAKES_SHARED_BODIES, Transport } from '../src/transport.js';

/** A fetch that keeps the body it was given and answers 204. */
function keeping(takesShared: boolean) {
  const bodies: unknown[] = [];
  const f: typeof fetch = async (_input, init) => {
    bodies.push(init?.body);
    return new Response(null, { status: 204 });
  };
  return { fetch: takesShared ? Object.assign(f, { [TAKES_SHARED_BODIES]: true }) : f, bodies };
}

describe('Transport bodies in shared memory', () => {
  const shared = new Uint8Array(new SharedArrayBuffer(16), 4, 8).fill(7);

  it('gives a fetch that did not say it takes shared memory a copy in an ordinary buffer', async () => {
    const k = keeping(false);
    await new Transport({ url: 'http://127.0.0.1:1', fetch: k.fetch }).send(
      'PATCH',
      'http://x/',
      {},
      shared,
      undefined,
    );
    const body = k.bodies[0] as Uint8Array;
    expect(body.buffer).toBeInstanceOf(ArrayBuffer);
    expect([...body]).toEqual([...shared]);
  });

  it('passes it as it is to a fetch that takes it (node:http), and ordinary bodies to any fetch', async () => {
    expect((nodeFetch as { [TAKES_SHARED_BODIES]?: boolean })[TAKES_SHARED_BODIES]).toBe(true);
    const k = keeping(true);
    await new Transport({ url: 'http://127.0.0.1:1', fetch: k.fetch }).send(
      'PATCH',
      'http://x/',
      {},
      shared,
      undefined,
    );
    expect(k.bodies[0]).toBe(shared);
    const plain = new Uint8Array(8);
    const other = keeping(false);
    await new Transport({ url: 'http://127.0.0.1:1', fetch: other.fetch }).send(
      'PATCH',
      'http://x/',
      {},
      plain,
      undefined,
    );
    expect(other.bodies[0]).toBe(plain);
  });
});
