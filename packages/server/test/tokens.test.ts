import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { type IncomingHttpHeaders, request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import BetterSqlite3 from 'better-sqlite3';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { AUTH_THROTTLE } from '../src/core/tokens.js';
import { type RunningServer, startServer } from '../src/server.js';

const ADMIN = `admin-${randomUUID()}`;
let server: RunningServer;
let dataDir: string;
let logs = '';

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'depot-tokens-'));
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs += chunk.toString();
      done();
    },
  });
  const config = loadConfig({ DEPOT_PORT: '0', DEPOT_DATA_DIR: dataDir, DEPOT_ADMIN_TOKEN: ADMIN });
  server = await startServer(config, { log: pino({ level: 'info' }, sink) });
});
afterAll(async () => {
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
});

const call = (
  method: string,
  p: string,
  token: string,
  body?: unknown,
  headers: Record<string, string> = {},
) =>
  fetch(`${server.url}${p}`, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

describe('/api/tokens', () => {
  it('issues a token shown once and stored only as its sha256', async () => {
    const res = await call('POST', '/api/tokens', ADMIN, { name: 'etl', quota: 5000 });
    expect(res.status).toBe(201);
    const created = await res.json();
    expect(created).toMatchObject({ name: 'etl', owner: 'etl', admin: false, quota: 5000, revokedAt: null });
    expect(created.token).toMatch(/^dpt_/);
    expect((await call('GET', '/api/files', created.token)).status).toBe(200);

    const listed = await (await call('GET', '/api/tokens', ADMIN)).json();
    const entry = listed.tokens.find((t: { id: string }) => t.id === created.id);
    expect(entry).toEqual({ ...created, token: undefined });
    expect(JSON.stringify(listed)).not.toContain(created.token);

    const db = new BetterSqlite3(path.join(dataDir, 'depot.sqlite'), { readonly: true });
    const row = db.prepare('select * from tokens where id = ?').get(created.id) as Record<string, unknown>;
    db.close();
    expect(row.hash).toBe(createHash('sha256').update(created.token).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(created.token);
  });

  it('revokes a token: it fails at once, and revoking again is 404', async () => {
    const created = await (
      await call('POST', '/api/tokens', ADMIN, { name: 'temp', owner: 'shared' })
    ).json();
    expect(created.owner).toBe('shared');
    expect((await call('GET', '/api/files', created.token)).status).toBe(200);
    expect((await call('DELETE', `/api/tokens/${created.id}`, ADMIN)).status).toBe(204);
    const refused = await call('GET', '/api/files', created.token);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="depot"');
    expect((await call('DELETE', `/api/tokens/${created.id}`, ADMIN)).status).toBe(404);
  });

  it('is for admins only, and checks its input', async () => {
    const plain = (await (await call('POST', '/api/tokens', ADMIN, { name: 'plain' })).json()).token;
    for (const [method, p] of [
      ['GET', '/api/tokens'],
      ['POST', '/api/tokens'],
      ['DELETE', `/api/tokens/${randomUUID()}`],
    ] as const) {
      const res = await call(method, p, plain, method === 'POST' ? { name: 'x' } : undefined);
      expect(res.status).toBe(403);
      expect((await res.json()).error.code).toBe('ERR_FORBIDDEN');
    }
    for (const body of [
      {},
      { name: '' },
      { name: 'a b' },
      { name: 'x', owner: 'admin' },
      { name: 'x', quota: -1 },
    ]) {
      expect((await call('POST', '/api/tokens', ADMIN, body)).status).toBe(400);
    }
    // a body that is not JSON: 415 with the table's code, like a tus chunk of the wrong type
    const xml = await fetch(`${server.url}/api/tokens`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/xml' },
      body: '<token/>',
    });
    expect(xml.status).toBe(415);
    expect((await xml.json()).error.code).toBe('ERR_CONTENT_TYPE');
  });
});

describe('failed authentications', () => {
  it('are logged without the token, and a burst from one address gets 429 with Retry-After', async () => {
    const other = (await (await call('POST', '/api/tokens', ADMIN, { name: 'other' })).json()).token;
    // the throttle counts per address: this test's failures come from 127.0.0.2
    const from2 = (token: string) => getFrom('127.0.0.2', `${server.url}/api/files`, token);
    const guess = `dpt_guess-${randomUUID()}`;
    for (let i = 0; i < AUTH_THROTTLE.max; i++) {
      expect([i, (await from2(`${guess}${i}`)).status]).toEqual([i, 401]);
    }
    const blocked = await from2(`${guess}x`);
    expect(blocked.status).toBe(429);
    expect(JSON.parse(blocked.body).error.code).toBe('ERR_TOO_MANY_REQUESTS');
    const retry = Number(blocked.headers['retry-after']);
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(AUTH_THROTTLE.windowMs / 1000);
    // while blocked, even a valid token is not looked at
    expect((await from2(other)).status).toBe(429);
    // other addresses are not affected
    expect((await call('GET', '/api/files', other)).status).toBe(200);
    expect(logs).toContain('authentication failed');
    expect(logs).not.toContain(guess);
  });
});

/** A GET sent from a given local address (fetch cannot choose one). */
function getFrom(localAddress: string, url: string, token: string) {
  return new Promise<{ status: number; headers: IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = request(
      url,
      { localAddress, headers: { Authorization: `Bearer ${token}` }, agent: false },
      (res) => {
        let body = '';
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}
