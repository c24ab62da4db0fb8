import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeFetch } from '../src/node-fetch.js';

// A server that reads each request and never answers, counting the requests it got.
let server: http.Server;
let url: string;
let received = 0;
beforeAll(async () => {
  server = http.createServer((req) => {
    received++;
    req.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
};

describe('nodeFetch and its signal', () => {
  it('stops every request in flight under a signal when it aborts', async () => {
    const stop = new AbortController();
    const before = received;
    const body = new Uint8Array(1000);
    const requests = [1, 2, 3].map(() =>
      nodeFetch(url, { method: 'POST', body, signal: stop.signal }).then(
        () => 'answered',
        (err: Error) => err.name,
      ),
    );
    await until(() => received - before === 3);
    expect(received - before).toBe(3);
    stop.abort();
    expect(await Promise.all(requests)).toEqual(['AbortError', 'AbortError', 'AbortError']);
  });

  it('sends nothing under a signal that has aborted already', async () => {
    const before = received;
    const err = await nodeFetch(url, { method: 'PATCH', signal: AbortSignal.abort() }).catch((e: Error) => e);
    expect((err as Error).name).toBe('AbortError');
    await new Promise((r) => setTimeout(r, 50));
    expect(received).toBe(before);
  });

  it('leaves requests under another signal alone', async () => {
    const stop = new AbortController();
    const other = new AbortController();
    const before = received;
    const stopped = nodeFetch(url, { method: 'POST', signal: stop.signal }).catch((e: Error) => e.name);
    let settled = false;
    const kept = nodeFetch(url, { method: 'POST', signal: other.signal }).finally(() => {
      settled = true;
    });
    kept.catch(() => {});
    await until(() => received - before === 2);
    stop.abort();
    expect(await stopped).toBe('AbortError');
    await new Promise((r) => setTimeout(r, 50));
    expect(settled).toBe(false);
    other.abort();
    await expect(kept).rejects.toMatchObject({ name: 'AbortError' });
  });
});
