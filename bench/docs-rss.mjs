// What the OpenAPI pages cost in memory. (1) Depot as users run it: its resident size idle (the
// anchor: nobody has opened /docs) and after the first visit to /docs (the document built, the
// page and Swagger UI's bundle served), in the same process. (2) Why the docs are built on that
// first visit, not at start: a Fastify app with 30 routes, with and without @fastify/swagger and
// @fastify/swagger-ui registered eagerly, each in a fresh process after a full GC.
// Usage: npm run build && node bench/docs-rss.mjs [--reps 5]
import { execFileSync } from 'node:child_process';
import { argValue, MiB, machine, median, procMemory, repoDir, startDepot, table } from './lib/harness.mjs';

const reps = Number(argValue('--reps', '5'));
const settle = () => new Promise((r) => setTimeout(r, 1500));
const mib = (bytes) => (bytes / MiB).toFixed(1);

console.log(`${machine()}, ${reps} runs each\n`);

// (1) Depot, before and after the first /docs visit
const idle = [];
const visited = [];
for (let r = 0; r < reps; r++) {
  const depot = await startDepot();
  try {
    await settle();
    idle.push(procMemory(depot.pid).rss);
    for (const p of [
      '/docs',
      '/docs/json',
      '/docs/static/swagger-ui-bundle.js',
      '/docs/static/swagger-ui.css',
    ]) {
      const res = await fetch(`${depot.url}${p}`);
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`GET ${p} -> ${res.status}`);
    }
    await settle();
    visited.push(procMemory(depot.pid).rss);
  } finally {
    await depot.stop();
  }
}
table(
  ['Depot (depot serve)', 'median VmRSS', 'over the anchor', 'all runs (MiB)'],
  [
    ['idle, /docs never opened (anchor)', `${mib(median(idle))} MiB`, '—', idle.map(mib).join(' ')],
    [
      'after the first /docs visit',
      `${mib(median(visited))} MiB`,
      `+${mib(median(visited) - median(idle))} MiB`,
      visited.map(mib).join(' '),
    ],
  ],
);
console.log();

// (2) the plugins registered at start, in a plain app
const child = (withDocs) => `
  const { default: Fastify } = await import('fastify');
  const app = Fastify();
  if (${withDocs}) {
    const { default: swagger } = await import('@fastify/swagger');
    const { default: ui } = await import('@fastify/swagger-ui');
    await app.register(swagger, { openapi: { openapi: '3.1.0', info: { title: 'x', version: '0' } } });
    await app.register(ui, { routePrefix: '/docs' });
  }
  for (let i = 0; i < 30; i++) {
    app.get('/r' + i + '/:id', { schema: { params: { type: 'object', properties: { id: { type: 'string' } } } } }, () => ({}));
  }
  await app.ready();
  for (let i = 0; i < 3; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 50)); }
  process.stdout.write(String(process.memoryUsage().rss));
`;
const runs = { false: [], true: [] };
for (let r = 0; r < reps; r++) {
  for (const withDocs of r % 2 ? [true, false] : [false, true]) {
    const out = execFileSync(
      process.execPath,
      ['--expose-gc', '--input-type=module', '-e', child(withDocs)],
      {
        cwd: `${repoDir}/packages/server`,
      },
    );
    runs[withDocs].push(Number(out));
  }
}
table(
  ['Fastify app, 30 routes', 'median RSS', 'over the anchor', 'all runs (MiB)'],
  [
    ['without the plugins (anchor)', `${mib(median(runs.false))} MiB`, '—', runs.false.map(mib).join(' ')],
    [
      'with @fastify/swagger + swagger-ui at start',
      `${mib(median(runs.true))} MiB`,
      `+${mib(median(runs.true) - median(runs.false))} MiB`,
      runs.true.map(mib).join(' '),
    ],
  ],
);
