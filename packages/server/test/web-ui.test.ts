import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { type RunningServer, startServer } from '../src/server.js';

// The UI's static files come from packages/web/dist, which `npm run build` (and so `npm test`) makes.
let server: RunningServer;
let dataDir: string;
const logLines: string[] = [];
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'depot-web-ui-'));
  const sink = new Writable({
    write(chunk, _enc, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  const config = loadConfig({
    DEPOT_PORT: '0',
    DEPOT_DATA_DIR: dataDir,
    DEPOT_ADMIN_TOKEN: 'web-ui-test-admin-token-1234',
  });
  server = await startServer(config, { log: pino({ level: 'info' }, sink) });
});
afterAll(async () => {
  await server?.close();
  await rm(dataDir, { recursive: true, force: true });
});

it('serves index.html without auth and not cached, naming hashed assets cached for a year', async () => {
  const res = await fetch(`${server.url}/`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(res.headers.get('cache-control')).toBe('no-cache');
  const html = await res.text();
  const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1] as string);
  expect(assets.some((a) => a.endsWith('.js'))).toBe(true);
  expect(assets.some((a) => a.endsWith('.css'))).toBe(true);
  for (const asset of assets) {
    const a = await fetch(`${server.url}${asset}`);
    expect(a.status).toBe(200);
    expect(a.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(a.headers.get('content-type')).toMatch(asset.endsWith('.js') ? /^text\/javascript/ : /^text\/css/);
    expect((await a.arrayBuffer()).byteLength).toBeGreaterThan(1000);
  }
});

it('answers 404 for unknown assets and for names that try to leave the assets folder', async () => {
  for (const p of [
    '/assets/nope-123.js',
    '/assets/..%2Findex.html',
    '/assets/%2E%2E%2F..%2Fpackage.json',
    '/assets/.hidden',
  ]) {
    const res = await fetch(`${server.url}${p}`);
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('ERR_NOT_FOUND');
  }
});

it('keeps a ?token= link out of the request log', async () => {
  const secret = 'dpt_should-never-be-logged';
  expect((await fetch(`${server.url}/?token=${secret}&x=1`)).status).toBe(200);
  await new Promise((r) => setTimeout(r, 50));
  const line = logLines.find((l) => l.includes('"url":"/?token='));
  expect(line).toContain('token=[redacted]&x=1');
  expect(logLines.join('')).not.toContain(secret);
});
