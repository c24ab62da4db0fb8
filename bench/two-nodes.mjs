// Two Depot nodes vs one (issue 7, benchmark 3): 5,000 × 10 KiB uploads, each one request (tus
// creation-with-upload), 32 in flight, on the scaled-out setting (Postgres, Redis locks, S3), with
// the client spreading uploads round robin over the nodes as a load balancer would. Both cases run
// in the same run on the same database, bucket and processes: "one node" sends everything to
// node A while B idles. No target: the figures say what a second node buys on this machine. A
// 5xx answer is retried (up to 3 times, as tus clients do) and counted in the report.
//
//   npm run build && node bench/two-nodes.mjs [--uploads 5000] [--concurrency 32] [--reps 1]
import { randomBytes } from 'node:crypto';
import { Pool } from 'undici';
import { argValue, KiB, median, printHeading, procCpu, startDepot, TOKEN, table } from './lib/harness.mjs';
import { scaledOut } from './lib/scaled-out.mjs';
import { runUploads, verifyUploads } from './lib/small-upload-client.mjs';

const reps = Number(argValue('--reps', '1'));
const uploads = Number(argValue('--uploads', '5000'));
const concurrency = Number(argValue('--concurrency', '32'));
const SIZE = 10 * KiB;
const body = randomBytes(SIZE);
const headers = { authorization: `Bearer ${TOKEN}` };

const setting = await scaledOut();
const nodes = [];
const results = { 'one node': [], 'two nodes': [] };
try {
  for (const name of ['depot-a', 'depot-b']) {
    const server = await startDepot(setting.env, name);
    nodes.push({
      name,
      server,
      headers,
      pool: new Pool(server.url, { connections: concurrency, pipelining: 1 }),
    });
  }
  for (const n of nodes) await runUploads([n], body, 200, concurrency); // warm-up: JIT, connections
  const cases = { 'one node': [nodes[0]], 'two nodes': nodes };
  for (let r = 0; r < reps; r++) {
    const order = r % 2 === 0 ? ['one node', 'two nodes'] : ['two nodes', 'one node'];
    for (const name of order) {
      const cpu0 = nodes.map((n) => procCpu(n.server.pid));
      const { ms, locations, retried } = await runUploads(cases[name], body, uploads, concurrency, {
        retries: 3,
      });
      const cpu = nodes.reduce((sum, n, i) => sum + procCpu(n.server.pid) - cpu0[i], 0);
      // a sample checked on the node that did not take it, where there is one
      await verifyUploads(nodes.at(-1), locations, SIZE);
      results[name].push({ rate: uploads / (ms / 1000), cpuMs: (cpu * 1000) / uploads, retried });
    }
  }
} finally {
  for (const n of nodes) {
    await n.pool.close();
    await n.server.stop();
  }
  await setting.drop();
}

printHeading('two-nodes');
console.log(
  `\n${uploads} × ${SIZE / KiB} KiB creation-with-upload, ${concurrency} in flight, Postgres + Redis + S3, median of ${reps}\n`,
);
const one = median(results['one node'].map((x) => x.rate));
table(
  [
    'case',
    'uploads/s',
    '× one node',
    'Depot CPU per upload (all nodes)',
    'retried after a 5xx',
    'all runs (uploads/s)',
  ],
  Object.entries(results).map(([name, xs]) => {
    const rate = median(xs.map((x) => x.rate));
    return [
      name,
      rate.toFixed(0),
      (rate / one).toFixed(2),
      `${median(xs.map((x) => x.cpuMs)).toFixed(2)} ms`,
      xs.map((x) => `${x.retried.count}${x.retried.first ? ` (first: ${x.retried.first})` : ''}`).join('; '),
      xs.map((x) => x.rate.toFixed(0)).join(' '),
    ];
  }),
);
