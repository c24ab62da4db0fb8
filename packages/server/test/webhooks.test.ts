import { afterEach, describe, expect, it } from 'vitest';
import type { Tuning } from '../src/compose.js';
import { createUpload, patch, startDepot, type TestDepot } from './helpers/depot.js';
import { api, createJob, uploadFile, waitForJob } from './helpers/jobs.js';
import { scrape } from './helpers/metrics.js';
import { freePort, type Receiver, startReceiver, verifySignature } from './helpers/receiver.js';

/** A retry schedule in milliseconds, so recovery shows within a test. */
const FAST: Tuning = {
  webhooks: { pollMs: 20, attemptTimeoutMs: 2_000, retry: { baseMs: 40, maxMs: 200, windowMs: 60_000 } },
};

let open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const o of open.reverse()) await o.close();
  open = [];
});

async function depot(tuning: Tuning = FAST, env: Record<string, string> = {}): Promise<TestDepot> {
  const d = await startDepot(env, tuning);
  open.push(d);
  return d;
}

async function receiver(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
  const r = await startReceiver(...args);
  open.push(r);
  return r;
}

async function addHook(d: TestDepot, token: string, url: string, events = ['upload.finished']) {
  const res = await api(d.url, token, 'POST', '/api/webhooks', { url, events });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return res.json as { id: string; secret: string; url: string; events: string[] };
}

// biome-ignore lint/suspicious/noExplicitAny: the log is read as JSON
type Delivery = any;

/** Polls the delivery log until `done` holds for it. */
async function logUntil(d: TestDepot, token: string, hookId: string, done: (ds: Delivery[]) => boolean) {
  const until = Date.now() + 20_000;
  for (;;) {
    const res = await api(d.url, token, 'GET', `/api/webhooks/${hookId}/deliveries`);
    expect(res.status).toBe(200);
    if (done(res.json.deliveries)) return res.json.deliveries as Delivery[];
    if (Date.now() > until) throw new Error(`delivery log still ${JSON.stringify(res.json)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const bytes = (s: string) => new TextEncoder().encode(s);

describe('webhook deliveries', () => {
  it('POSTs upload.finished signed with the webhook secret, and logs the attempt', async () => {
    const d = await depot();
    const r = await receiver();
    const hook = await addHook(d, d.token, r.url);
    expect(hook.secret).toMatch(/^whsec_/);
    const fileId = await uploadFile(d.url, d.token, bytes('hello webhooks'), { filename: 'a.txt' });
    const [got] = await r.waitFor(1);
    const body = JSON.parse(got!.body);
    expect(body).toMatchObject({ type: 'upload.finished', data: { id: fileId, name: 'a.txt', size: 14 } });
    expect(body.id).toMatch(/^evt_/);
    expect(got!.headers['content-type']).toBe('application/json');
    expect(got!.headers['depot-event']).toBe('upload.finished');
    const signature = String(got!.headers['depot-signature']);
    expect(verifySignature(hook.secret, signature, got!.body)).toBe(true);
    // a wrong secret, a changed body, or a stale timestamp all fail verification
    expect(verifySignature('whsec_other', signature, got!.body)).toBe(false);
    expect(verifySignature(hook.secret, signature, got!.body.replace('a.txt', 'b.txt'))).toBe(false);
    expect(verifySignature(hook.secret, signature, got!.body, Date.now() + 301_000)).toBe(false);
    const [delivery] = await logUntil(d, d.token, hook.id, (ds) => ds[0]?.state === 'delivered');
    expect(delivery).toMatchObject({
      id: got!.headers['depot-delivery'],
      eventId: body.id,
      event: 'upload.finished',
      attempts: 1,
      nextAttemptAt: null,
    });
    expect(delivery.log).toEqual([
      {
        attempt: 1,
        at: expect.any(String),
        durationMs: expect.any(Number),
        status: 200,
        error: null,
        nextAttemptAt: null,
      },
    ]);
    // the secret is shown at creation only
    expect((await api(d.url, d.token, 'GET', `/api/webhooks/${hook.id}`)).json.secret).toBeUndefined();
  });

  it('announces a parallel upload once, as its final file, not each part', async () => {
    const d = await depot();
    const r = await receiver();
    const hook = await addHook(d, d.token, r.url);
    const parts: string[] = [];
    for (const text of ['hello ', 'world']) {
      const url = await createUpload(d, { 'Upload-Length': String(text.length), 'Upload-Concat': 'partial' });
      expect((await patch(url, d.token, 0, bytes(text))).status).toBe(204);
      parts.push(new URL(url, d.url).pathname);
    }
    const final = await createUpload(d, { 'Upload-Concat': `final;${parts.join(' ')}` });
    const finalId = final.split('/').at(-1);
    const [got] = await r.waitFor(1);
    expect(JSON.parse(got!.body).data).toMatchObject({ id: finalId, size: 11 });
    await logUntil(d, d.token, hook.id, (ds) => ds.length === 1 && ds[0].state === 'delivered');
    expect(r.received).toHaveLength(1);
  });

  it('retries a receiver that answers 500 until it recovers, with the same event and body', async () => {
    const outcomes: string[] = [];
    const d = await depot({
      webhooks: { ...FAST.webhooks, onDelivery: (e, o) => outcomes.push(`${e} ${o}`) },
    });
    const r = await receiver((n) => (n <= 2 ? 500 : 204));
    const hook = await addHook(d, d.token, r.url);
    await uploadFile(d.url, d.token, bytes('x'));
    const got = await r.waitFor(3);
    expect(new Set(got.map((g) => g.body)).size).toBe(1);
    expect(new Set(got.map((g) => g.headers['depot-delivery'])).size).toBe(1);
    for (const g of got)
      expect(verifySignature(hook.secret, String(g.headers['depot-signature']), g.body)).toBe(true);
    const [delivery] = await logUntil(d, d.token, hook.id, (ds) => ds[0]?.state === 'delivered');
    expect(delivery.log.map((a: Delivery) => a.status)).toEqual([500, 500, 204]);
    // each failure names when the next attempt is due, later than the attempt itself
    for (const a of delivery.log.slice(0, 2))
      expect(Date.parse(a.nextAttemptAt)).toBeGreaterThan(Date.parse(a.at));
    expect(outcomes).toEqual([
      'upload.finished retrying',
      'upload.finished retrying',
      'upload.finished delivered',
    ]);
    // /metrics counts the same attempts
    const m = await scrape(d.url);
    const deliveries = (outcome: string) =>
      m.value('depot_webhook_deliveries_total', { event: 'upload.finished', outcome });
    expect([deliveries('retrying'), deliveries('delivered'), deliveries('failed')]).toEqual([2, 1, 0]);
  });

  it('retries a refused connection, and delivers once the receiver is up', async () => {
    const d = await depot();
    const port = await freePort();
    const hook = await addHook(d, d.token, `http://127.0.0.1:${port}/hook`);
    await uploadFile(d.url, d.token, bytes('x'));
    const [pending] = await logUntil(d, d.token, hook.id, (ds) => ds[0]?.log.length >= 2);
    expect(pending.state).toBe('pending');
    expect(pending.log[0]).toMatchObject({ status: null, error: expect.stringContaining('ECONNREFUSED') });
    const r = await receiver(() => 200, port);
    await r.waitFor(1);
    const [done] = await logUntil(d, d.token, hook.id, (ds) => ds[0]?.state === 'delivered');
    expect(done.log.at(-1)).toMatchObject({ status: 200, error: null });
  });

  it('gives up on an attempt that hangs past its timeout, and retries it', async () => {
    const d = await depot({ webhooks: { ...FAST.webhooks, attemptTimeoutMs: 300 } });
    const r = await receiver((n) => (n === 1 ? 'hang' : 200));
    const hook = await addHook(d, d.token, r.url);
    await uploadFile(d.url, d.token, bytes('x'));
    const [done] = await logUntil(d, d.token, hook.id, (ds) => ds[0]?.state === 'delivered');
    expect(done.log).toEqual([
      expect.objectContaining({ attempt: 1, status: null, error: 'timed out after 300 ms' }),
      expect.objectContaining({ attempt: 2, status: 200, error: null }),
    ]);
    expect(done.log[0].durationMs).toBeGreaterThanOrEqual(300);
  });

  it('keeps the schedule in the store: a delivery pending at shutdown goes out after a restart', async () => {
    const first = await startDepot({}, FAST);
    const port = await freePort();
    const hook = await addHook(first, first.token, `http://127.0.0.1:${port}/hook`);
    await uploadFile(first.url, first.token, bytes('x'));
    await logUntil(first, first.token, hook.id, (ds) => ds[0]?.log.length >= 1);
    await first.server.close();
    const r = await receiver(() => 200, port);
    const again = await depot(FAST, { DEPOT_DATA_DIR: first.dataDir, DEPOT_ADMIN_TOKEN: first.token });
    open.push({
      close: () => import('node:fs/promises').then((fs) => fs.rm(first.dataDir, { recursive: true })),
    });
    await r.waitFor(1);
    // the admin token is the first start's (DEPOT_ADMIN_TOKEN)
    const [done] = await logUntil(again, first.token, hook.id, (ds) => ds[0]?.state === 'delivered');
    expect(done.log[0].status).toBeNull();
    expect(done.log.at(-1).status).toBe(200);
  });

  it('trims delivered and failed deliveries from the log after the retention', async () => {
    const first = await startDepot({}, FAST);
    const r = await receiver();
    const hook = await addHook(first, first.token, r.url);
    await uploadFile(first.url, first.token, bytes('x'));
    await logUntil(first, first.token, hook.id, (ds) => ds[0]?.state === 'delivered');
    await first.server.close();
    // a retention of 1 ms: the next start trims the log at its first poll
    const again = await depot(
      { webhooks: { ...FAST.webhooks, retentionMs: 1 } },
      { DEPOT_DATA_DIR: first.dataDir, DEPOT_ADMIN_TOKEN: first.token },
    );
    open.push({
      close: () => import('node:fs/promises').then((fs) => fs.rm(first.dataDir, { recursive: true })),
    });
    await logUntil(again, first.token, hook.id, (ds) => ds.length === 0);
    expect((await api(again.url, first.token, 'GET', `/api/webhooks/${hook.id}`)).status).toBe(200);
  });

  it('marks a delivery failed when its retry window runs out', async () => {
    const outcomes: string[] = [];
    const d = await depot({
      webhooks: {
        ...FAST.webhooks,
        retry: { baseMs: 20, maxMs: 40, windowMs: 300 },
        onDelivery: (_e, o) => outcomes.push(o),
      },
    });
    const r = await receiver(() => 503);
    const hook = await addHook(d, d.token, r.url);
    await uploadFile(d.url, d.token, bytes('x'));
    const [failed] = await logUntil(d, d.token, hook.id, (ds) => ds[0]?.state === 'failed');
    expect(failed.nextAttemptAt).toBeNull();
    expect(failed.log.length).toBeGreaterThan(1);
    expect(failed.log.at(-1).nextAttemptAt).toBeNull();
    expect(failed.log.every((a: Delivery) => a.status === 503)).toBe(true);
    expect(outcomes.at(-1)).toBe('failed');
    expect(outcomes.filter((o) => o === 'retrying')).toHaveLength(failed.log.length - 1);
  });

  it('finishes uploads while a receiver hangs on an earlier delivery', async () => {
    const d = await depot({ webhooks: { ...FAST.webhooks, attemptTimeoutMs: 60_000 } });
    const r = await receiver(() => 'hang');
    await addHook(d, d.token, r.url);
    await uploadFile(d.url, d.token, bytes('first'));
    await r.waitFor(1);
    // the receiver holds the first delivery open; further uploads still complete
    for (let i = 0; i < 3; i++) await uploadFile(d.url, d.token, bytes(`more ${i}`));
    expect(r.hanging()).toBeGreaterThanOrEqual(1);
    // this webhook's share of the sending slots (2) is in flight; the rest wait their turn
    await r.waitFor(2);
    await new Promise((res) => setTimeout(res, 300));
    expect(r.received).toHaveLength(2);
    // shutdown cuts the hanging attempts short instead of waiting for the timeout
  });

  it("sends other webhooks' deliveries at once while one receiver hangs with a backlog", async () => {
    const d = await depot({ webhooks: { ...FAST.webhooks, attemptTimeoutMs: 60_000 } });
    const stuck = await receiver(() => 'hang');
    await addHook(d, d.token, stuck.url);
    // a backlog bigger than all the sending slots (8), every attempt hanging for a minute
    for (let i = 0; i < 12; i++) await uploadFile(d.url, d.token, bytes(`backlog ${i}`));
    await stuck.waitFor(2);
    const other = await d.tokenFor('webhook-neighbour');
    const fine = await receiver();
    await addHook(d, other, fine.url);
    await uploadFile(d.url, other, bytes('mine'));
    const [got] = await fine.waitFor(1, 5_000); // not after a hanging attempt's minute
    expect(JSON.parse(got!.body).type).toBe('upload.finished');
  });

  it('sends job.completed and job.cancelled, not the job events a webhook did not ask for', async () => {
    const d = await depot(FAST, { DEPOT_WORKERS: '1' });
    const r = await receiver();
    const hook = await addHook(d, d.token, r.url, ['job.completed', 'job.cancelled']);
    const input = await uploadFile(d.url, d.token, bytes('Song,Date,Number of Plays\nA,2020-01-01,3\n'));
    const job = await createJob(d.url, d.token, 'csv-report', input);
    const done = await waitForJob(d.url, d.token, job.id);
    expect(done.state).toBe('completed');
    const [completed] = await r.waitFor(1);
    expect(JSON.parse(completed!.body)).toMatchObject({
      type: 'job.completed',
      data: { id: job.id, state: 'completed', fileId: input, outputFileId: done.outputFileId },
    });
    const other = await api(d.url, d.token, 'POST', '/api/jobs', { type: 'csv-report', fileId: input });
    // a queued job can be cancelled at once, or it completes first: both are announced
    const cancel = await api(d.url, d.token, 'POST', `/api/jobs/${other.json.id}/cancel`);
    const second = JSON.parse((await r.waitFor(2))[1]!.body);
    expect(second.data.id).toBe(other.json.id);
    expect(second.type).toBe(cancel.status === 200 ? 'job.cancelled' : 'job.completed');
    const log = await logUntil(
      d,
      d.token,
      hook.id,
      (ds) => ds.length === 2 && ds.every((x) => x.state === 'delivered'),
    );
    expect(log.map((x) => x.event).sort()).toEqual([second.type, 'job.completed'].sort());
    // upload.finished (of the inputs and of the job's output) was not asked for
    expect(r.received.every((g) => JSON.parse(g.body).type !== 'upload.finished')).toBe(true);
  });

  it('sends job.failed with the error of a job whose input is bad', async () => {
    const d = await depot(FAST, { DEPOT_WORKERS: '1' });
    const r = await receiver();
    await addHook(d, d.token, r.url, ['job.failed']);
    const input = await uploadFile(d.url, d.token, bytes('Song,When,Plays\nx,2020-01-01,1\n'));
    const job = await createJob(d.url, d.token, 'csv-report', input);
    const failed = await waitForJob(d.url, d.token, job.id);
    expect(failed.state).toBe('failed');
    const [got] = await r.waitFor(1);
    expect(JSON.parse(got!.body)).toMatchObject({
      type: 'job.failed',
      data: {
        id: job.id,
        state: 'failed',
        error: { code: failed.error?.code, message: failed.error?.message },
      },
    });
  });
});

describe('/api/webhooks', () => {
  it('shows each owner only its own webhooks, and sends only its own events', async () => {
    const d = await depot();
    const r = await receiver();
    const alice = await d.tokenFor('alice');
    const bob = await d.tokenFor('bob');
    const hook = await addHook(d, alice, r.url);
    expect((await api(d.url, bob, 'GET', '/api/webhooks')).json).toEqual({ webhooks: [] });
    for (const path of [`/api/webhooks/${hook.id}`, `/api/webhooks/${hook.id}/deliveries`]) {
      const res = await api(d.url, bob, 'GET', path);
      expect(res.status).toBe(404);
      expect(res.json.error.code).toBe('ERR_NOT_FOUND');
    }
    expect((await api(d.url, bob, 'DELETE', `/api/webhooks/${hook.id}`)).status).toBe(404);
    const mine = (await api(d.url, alice, 'GET', '/api/webhooks')).json.webhooks;
    expect(mine).toEqual([
      { id: hook.id, url: r.url, events: ['upload.finished'], owner: 'alice', createdAt: expect.any(String) },
    ]);
    // the admin sees every owner's
    expect(
      (await api(d.url, d.token, 'GET', '/api/webhooks')).json.webhooks.map((h: Delivery) => h.id),
    ).toEqual([hook.id]);
    await uploadFile(d.url, bob, bytes('bob'));
    const aliceFile = await uploadFile(d.url, alice, bytes('alice'));
    const [got] = await r.waitFor(1);
    expect(JSON.parse(got!.body).data.id).toBe(aliceFile);
    await logUntil(d, alice, hook.id, (ds) => ds.length === 1 && ds[0].state === 'delivered');
    expect(r.received).toHaveLength(1);
    expect((await api(d.url, alice, 'DELETE', `/api/webhooks/${hook.id}`)).status).toBe(204);
    expect((await api(d.url, alice, 'GET', `/api/webhooks/${hook.id}`)).status).toBe(404);
  });

  it('answers bad input with 400 and a clear message', async () => {
    const d = await depot();
    const cases: [unknown, RegExp][] = [
      [{ url: 'ftp://example.com/x', events: ['upload.finished'] }, /http or https, not ftp/],
      [{ url: 'not a url', events: ['upload.finished'] }, /not a valid URL/],
      [{ url: 'https://user:pw@example.com/', events: ['upload.finished'] }, /user name or password/],
      [{ url: `https://example.com/${'x'.repeat(2100)}`, events: ['upload.finished'] }, /at most 2048/],
      [{ events: ['upload.finished'] }, /url must be an http\(s\) URL/],
      [
        { url: 'https://example.com/', events: ['upload.started'] },
        /unknown event "upload.started"; known: upload.finished, job.completed/,
      ],
      [{ url: 'https://example.com/', events: [] }, /events must be a non-empty list/],
      [{ url: 'https://example.com/', events: 'upload.finished' }, /events must be a non-empty list/],
      [['https://example.com/'], /send a JSON object/],
      // over the limit once percent-encoded, as it would be stored
      [{ url: `http://x/${'é'.repeat(1100)}`, events: ['job.failed'] }, /at most 2048/],
      // a port fetch will not connect to: stored, it could never be delivered
      [{ url: 'http://127.0.0.1:10080/hook', events: ['job.failed'] }, /port 10080/],
      [{ url: 'http://127.0.0.1:6000/hook', events: ['job.failed'] }, /port 6000/],
    ];
    for (const [body, message] of cases) {
      const res = await api(d.url, d.token, 'POST', '/api/webhooks', body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.json.error.code).toBe('ERR_BAD_REQUEST');
      expect(res.json.error.message).toMatch(message);
    }
    const hook = await addHook(d, d.token, 'https://example.com/');
    const bad = await api(d.url, d.token, 'GET', `/api/webhooks/${hook.id}/deliveries?limit=0`);
    expect(bad.status).toBe(400);
    const cursor = await api(d.url, d.token, 'GET', `/api/webhooks/${hook.id}/deliveries?before=nope`);
    expect(cursor.status).toBe(400);
    expect(cursor.json.error.message).toMatch(/no delivery nope/);
    expect((await api(d.url, 'wrong', 'GET', '/api/webhooks')).status).toBe(401);
  });

  it('limits how many webhooks one owner may have', async () => {
    const d = await depot();
    const alice = await d.tokenFor('alice');
    for (let i = 0; i < 20; i++) await addHook(d, alice, `https://example.com/${i}`);
    const over = await api(d.url, alice, 'POST', '/api/webhooks', {
      url: 'https://example.com/x',
      events: ['upload.finished'],
    });
    expect(over.status).toBe(409);
    expect(over.json.error).toEqual({
      code: 'ERR_TOO_MANY_WEBHOOKS',
      message: 'an owner may have at most 20 webhooks; delete one first',
    });
    // another owner has its own allowance
    await addHook(d, d.token, 'https://example.com/admin');
  });

  it('pages the delivery log', async () => {
    const d = await depot();
    const r = await receiver();
    const hook = await addHook(d, d.token, r.url);
    for (let i = 0; i < 3; i++) await uploadFile(d.url, d.token, bytes(`f${i}`));
    await logUntil(d, d.token, hook.id, (ds) => ds.length === 3 && ds.every((x) => x.state === 'delivered'));
    const first = await api(d.url, d.token, 'GET', `/api/webhooks/${hook.id}/deliveries?limit=2`);
    expect(first.json.deliveries).toHaveLength(2);
    expect(first.json.next).toBe(first.json.deliveries[1].id);
    const rest = await api(
      d.url,
      d.token,
      'GET',
      `/api/webhooks/${hook.id}/deliveries?limit=2&before=${first.json.next}`,
    );
    expect(rest.json.deliveries).toHaveLength(1);
    expect(rest.json.next).toBeNull();
    const all = [...first.json.deliveries, ...rest.json.deliveries].map((x: Delivery) => x.id);
    expect(new Set(all).size).toBe(3);
  });
});
