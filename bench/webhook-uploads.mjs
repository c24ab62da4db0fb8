// Do webhooks slow uploads down? 2,000 × 10 KiB creation-with-upload POSTs, 32 in flight, against
// three Depot servers in the same run: no webhooks (the anchor), three webhooks on
// upload.finished whose receiver answers 200 at once, and three whose receiver never answers
// (every attempt hangs until its 10 s timeout, the dispatcher's 8 slots stay full, deliveries
// pile up in the store).
//
//   npm run build && node bench/webhook-uploads.mjs [--reps 3] [--uploads 2000] [--concurrency 32]
//
// Target: a hanging receiver costs uploads nothing beyond what a healthy one does (≥ 0.9× its
// uploads/s). The gap to no webhooks is the price of recording the deliveries (a lookup of the
// owner's webhooks and an INSERT transaction per batch of finished uploads, in SQLite) and, with
// a healthy receiver, of sending them from the same process.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { Pool } from 'undici';
import * as h from './lib/harness.mjs';

const [reps, uploads, concurrency] = [
  ['--reps', 3],
  ['--uploads', 2000],
  ['--concurrency', 32],
].map(([flag, dflt]) => Number(h.argValue(flag, String(dflt))));
const SIZE = 10 * h.KiB;
const payload = randomBytes(SIZE);
/** creation-with-upload: the whole body in the POST */
const POST_HEADERS = {
  authorization: `Bearer ${h.TOKEN}`,
  'tus-resumable': '1.0.0',
  'upload-length': String(SIZE),
  'content-type': 'application/offset+octet-stream',
};

/** A receiver on 127.0.0.1: `hang` holds every request open; otherwise 200 at once. */
async function receiver(hang) {
  let count = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      count++;
      if (!hang) res.writeHead(200).end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/hook`,
    received: () => count,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

const cases = [
  { name: 'no webhooks (anchor)', hooks: 0 },
  { name: '3 webhooks, receiver answers 200', hooks: 3, hang: false },
  { name: '3 webhooks, receiver hangs', hooks: 3, hang: true },
];
const closers = [];
try {
  for (const c of cases) {
    c.server = await h.startDepot();
    console.error(`${c.name}: pid ${c.server.pid}`);
    closers.push(() => c.server.stop());
    if (c.hooks > 0) {
      c.receiver = await receiver(c.hang);
      closers.push(() => c.receiver.close());
      for (let i = 0; i < c.hooks; i++) {
        const res = await fetch(`${c.server.url}/api/webhooks`, {
          method: 'POST',
          headers: { authorization: `Bearer ${h.TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ url: c.receiver.url, events: ['upload.finished'] }),
        });
        if (res.status !== 201) throw new Error(`webhook: ${res.status} ${await res.text()}`);
      }
    }
    c.pool = new Pool(c.server.url, { connections: concurrency, pipelining: 1 });
    closers.push(() => c.pool.close());
    c.rates = [];
    c.cpu = [];
    await batch(c, 200); // warm-up
  }
  for (let r = 0; r < reps; r++) {
    for (let i = 0; i < cases.length; i++) {
      const c = cases[(i + r) % cases.length];
      const cpu0 = h.procCpu(c.server.pid);
      const ms = await batch(c, uploads);
      c.cpu.push(((h.procCpu(c.server.pid) - cpu0) * 1000) / uploads);
      c.rates.push(uploads / (ms / 1000));
    }
    console.error(`rep ${r + 1}/${reps}: ${cases.map((c) => `${c.rates.at(-1).toFixed(0)}/s`).join(', ')}`);
  }
  // the healthy receiver gets every delivery (3 per upload) once the dispatcher catches up
  const healthy = cases[1];
  const expected = healthy.hooks * (200 + reps * uploads);
  const t0 = performance.now();
  while (healthy.receiver.received() < expected && performance.now() - t0 < 120_000) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  healthy.drained = `${healthy.receiver.received()} of ${expected} deliveries received`;
} finally {
  for (const close of closers.reverse()) await close();
}

console.log(
  `\nwebhook-uploads: ${uploads} × ${SIZE / h.KiB} KiB creation-with-upload, ${concurrency} in flight, median of ${reps} (interleaved)`,
);
console.log(`${new Date().toString()}\n${h.machine()}\n`);
const anchor = h.median(cases[0].rates);
h.table(
  ['case', 'median uploads/s', '× no webhooks', 'server CPU per upload', 'all runs (uploads/s)'],
  cases.map((c) => [
    c.name,
    h.median(c.rates).toFixed(0),
    (h.median(c.rates) / anchor).toFixed(2),
    `${h.median(c.cpu).toFixed(2)} ms`,
    c.rates.map((x) => x.toFixed(0)).join(' '),
  ]),
);
console.log(`\n${cases[1].drained}`);
const ratio = h.median(cases[2].rates) / h.median(cases[1].rates);
console.log(
  `target: hanging receiver ≥ 0.9× a healthy one's uploads/s: ${ratio.toFixed(2)}× — ${h.verdict(ratio >= 0.9)}`,
);

/** `count` uploads (POST with the body), `concurrency` at a time; resolves with the wall ms. */
async function batch(c, count) {
  let left = count;
  const one = async () => {
    while (left > 0) {
      left--;
      const res = await c.pool.request({
        method: 'POST',
        path: '/files/',
        headers: POST_HEADERS,
        body: payload,
      });
      await res.body.dump();
      if (res.statusCode !== 201) throw new Error(`${c.name}: POST -> ${res.statusCode}`);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, one));
  return performance.now() - t0;
}
