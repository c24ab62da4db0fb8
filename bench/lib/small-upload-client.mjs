// The client of the small-upload benchmarks: tus creation-with-upload (one POST with the body)
// through undici Pools, `concurrency` in flight, and a sampled check that uploads are finished.
import { tusOffset } from './harness.mjs';

/**
 * `count` uploads of `body`, `concurrency` at a time; upload i goes to `targets[i % n]` (a round
 * robin, as a load balancer would). With `retries`, an upload answered with a 5xx is made again
 * (as a tus client would), up to that many times. Resolves with the wall time, every Location,
 * and the retries made with the first answer that caused one.
 */
export async function runUploads(targets, body, count, concurrency, { retries = 0 } = {}) {
  let next = 0;
  const locations = new Array(count);
  const retried = { count: 0, first: undefined };
  const worker = async () => {
    while (next < count) {
      const i = next++;
      for (let attempt = 0; ; attempt++) {
        try {
          locations[i] = await createWithUpload(targets[i % targets.length], body);
          break;
        } catch (err) {
          if (!(err instanceof ServerError) || attempt >= retries) throw err;
          retried.count++;
          retried.first ??= err.message;
          await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
        }
      }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { ms: performance.now() - t0, locations, retried };
}

class ServerError extends Error {}

async function createWithUpload(t, body) {
  const res = await t.pool.request({
    method: 'POST',
    path: '/files/',
    headers: {
      ...t.headers,
      'tus-resumable': '1.0.0',
      'upload-length': String(body.length),
      'content-type': 'application/offset+octet-stream',
    },
    body,
  });
  const text = await res.body.text();
  const offset = res.headers['upload-offset'];
  if (res.statusCode >= 500)
    throw new ServerError(`${t.name}: POST -> ${res.statusCode} ${text.slice(0, 200)}`);
  if (res.statusCode !== 201 || offset !== String(body.length)) {
    throw new Error(`${t.name}: POST -> ${res.statusCode}, Upload-Offset ${offset}`);
  }
  return res.headers.location;
}

/** The 201 said so; check a sample really is finished: HEAD (on `t`) answers the full offset. */
export async function verifyUploads(t, locations, size) {
  for (let i = 0; i < locations.length; i += Math.ceil(locations.length / 10)) {
    const offset = await tusOffset(new URL(locations[i], t.server.url).href, t.headers);
    if (offset !== size) throw new Error(`${t.name}: ${locations[i]} has Upload-Offset ${offset}`);
  }
}
