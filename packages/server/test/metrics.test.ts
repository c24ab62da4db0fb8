import * as tus from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { startDepot, type TestDepot, tus as tusHeaders } from './helpers/depot.js';
import { createJob, reportInput, uploadFile, waitForJob } from './helpers/jobs.js';
import { parseScrape, type Scrape, scrape } from './helpers/metrics.js';
import { sleep, slowPatch } from './helpers/slow-patch.js';

let depot: TestDepot;
beforeAll(async () => {
  depot = await startDepot();
});
afterAll(() => depot.close());

const auth = () => ({ Authorization: `Bearer ${depot.token}` });

/** Uploads `data` with tus-js-client in `chunks` PATCHes; returns the file id. */
function tusUpload(data: Buffer, chunks: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const u: tus.Upload = new tus.Upload(data, {
      endpoint: depot.files,
      headers: auth(),
      metadata: { filename: 'plays.csv', filetype: 'text/csv' },
      chunkSize: Math.ceil(data.length / chunks),
      retryDelays: [],
      onSuccess: () => resolve((u.url as string).split('/').pop() as string),
      onError: reject,
    });
    u.start();
  });
}

/** How much each series moved between two scrapes. */
const moved = (before: Scrape, after: Scrape) => (name: string, labels?: Record<string, string>) =>
  after.value(name, labels) - before.value(name, labels);

describe('GET /metrics after real traffic', { timeout: 60_000 }, () => {
  it('counts uploads, bytes, requests by route, jobs, rows and take-overs by exactly what happened', async () => {
    const before = await scrape(depot.url);
    const input = reportInput(20_000);

    // A tus-js-client upload in 3 PATCHes, a Range download and a whole one of it.
    const fileId = await tusUpload(input, 3);
    const range = await fetch(`${depot.url}/files/${fileId}`, {
      headers: { ...auth(), Range: 'bytes=10-109' },
    });
    expect(range.status).toBe(206);
    expect((await range.arrayBuffer()).byteLength).toBe(100);
    const whole = await fetch(`${depot.url}/files/${fileId}`, { headers: auth() });
    expect((await whole.arrayBuffer()).byteLength).toBe(input.length);

    // An upload created, written by a client that then goes quiet, taken over by a HEAD, deleted.
    const created = await fetch(depot.files, {
      method: 'POST',
      headers: tusHeaders(depot.token, { 'Upload-Length': '1000' }),
    });
    const location = created.headers.get('location') as string;
    const stalled = slowPatch(
      location,
      { ...tusHeaders(depot.token), 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': '0' },
      1000,
    );
    await stalled.write(Buffer.alloc(300, 1));
    await sleep(1_300);
    const head = await fetch(location, { method: 'HEAD', headers: tusHeaders(depot.token) });
    expect(head.headers.get('upload-offset')).toBe('300');
    expect((await stalled.response).status).toBe(423);
    expect((await fetch(location, { method: 'DELETE', headers: tusHeaders(depot.token) })).status).toBe(204);

    // A job run to the end, and a URL no route has.
    const job = await waitForJob(
      depot.url,
      depot.token,
      (await createJob(depot.url, depot.token, 'csv-report', fileId)).id,
    );
    expect(job.state).toBe('completed');
    expect((await fetch(`${depot.url}/no/such/${fileId}`)).status).toBe(404);

    const after = await scrape(depot.url);
    const d = moved(before, after);
    expect(d('depot_uploads_created_total')).toBe(2);
    // the job's output is a file too, but it was not uploaded
    expect(d('depot_uploads_finished_total')).toBe(1);
    expect(d('depot_uploads_terminated_total')).toBe(1);
    expect(d('depot_upload_bytes_received_total')).toBe(input.length + 300);
    expect(d('depot_download_bytes_sent_total')).toBe(100 + input.length);
    expect(d('depot_upload_lock_takeovers_total')).toBe(1);

    const req = (method: string, route: string, status: number) =>
      d('depot_http_request_duration_seconds_count', { method, route, status: String(status) });
    expect(req('POST', '/files/', 201)).toBe(2);
    expect(req('PATCH', '/files/:id', 204)).toBe(3);
    expect(req('PATCH', '/files/:id', 423)).toBe(1);
    expect(req('GET', '/files/:id', 206)).toBe(1);
    expect(req('GET', '/files/:id', 200)).toBe(1);
    expect(req('HEAD', '/files/:id', 200)).toBe(1);
    expect(req('DELETE', '/files/:id', 204)).toBe(1);
    expect(req('POST', '/api/jobs', 202)).toBe(1);
    expect(req('GET', 'unmatched', 404)).toBe(1);
    // the scrape before this one was timed too
    expect(req('GET', '/metrics', 200)).toBe(1);
    // Route patterns only: no id ever becomes a label value.
    expect(after.text).not.toContain(fileId);

    const jobs = (state: string) => d('depot_jobs_total', { type: 'csv-report', state });
    expect([jobs('queued'), jobs('running'), jobs('completed'), jobs('failed')]).toEqual([1, 1, 1, 0]);
    expect(d('depot_job_rows_processed_total', { type: 'csv-report' })).toBe(job.progress.rowsDone);
    expect(job.progress.rowsDone).toBe(20_000);
    expect(d('depot_job_duration_seconds_count', { type: 'csv-report', state: 'completed' })).toBe(1);
    expect(after.value('depot_job_queue_depth')).toBe(0);

    // Node's default metrics are there beside Depot's.
    expect(after.value('process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(after.value('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  it('counts webhook deliveries reported through its small interface', async () => {
    const before = await scrape(depot.url);
    const webhooks = depot.server.services.metrics?.webhooks;
    webhooks?.delivery('upload.finished', 'delivered');
    webhooks?.delivery('job.failed', 'failed');
    webhooks?.delivery('job.failed', 'failed');
    const d = moved(before, await scrape(depot.url));
    expect(d('depot_webhook_deliveries_total', { event: 'upload.finished', outcome: 'delivered' })).toBe(1);
    expect(d('depot_webhook_deliveries_total', { event: 'job.failed', outcome: 'failed' })).toBe(2);
  });

  it('keeps each server’s counts apart, and measures the queue depth and expiries', async () => {
    // A second server in this process: no workers (jobs wait), uploads expire after a second.
    const idle = await startDepot({
      DEPOT_WORKERS: '0',
      DEPOT_UPLOAD_EXPIRY: '1s',
      DEPOT_EXPIRY_INTERVAL: '1h',
    });
    try {
      const mine = await scrape(depot.url);
      const fileId = await uploadFile(idle.url, idle.token, reportInput(10));
      await createJob(idle.url, idle.token, 'csv-report', fileId);
      await createJob(idle.url, idle.token, 'csv-report', fileId);
      await fetch(idle.files, { method: 'POST', headers: tusHeaders(idle.token, { 'Upload-Length': '5' }) });
      await sleep(1_100);
      expect(await idle.server.services.sweeper.sweep()).toBe(1);
      const theirs = await scrape(idle.url);
      expect(theirs.value('depot_job_queue_depth')).toBe(2);
      expect(theirs.value('depot_jobs_total', { type: 'csv-report', state: 'queued' })).toBe(2);
      expect(theirs.value('depot_uploads_created_total')).toBe(2);
      expect(theirs.value('depot_uploads_expired_total')).toBe(1);
      // nothing of it shows in the first server's counts
      const d = moved(mine, await scrape(depot.url));
      expect(d('depot_uploads_created_total')).toBe(0);
      expect(d('depot_jobs_total', { type: 'csv-report', state: 'queued' })).toBe(0);
    } finally {
      await idle.close();
    }
  });
});

describe('DEPOT_METRICS', () => {
  it('admin: only an admin token may scrape; off: there is no /metrics', async () => {
    const guarded = await startDepot({ DEPOT_METRICS: 'admin' });
    try {
      expect((await fetch(`${guarded.url}/metrics`)).status).toBe(401);
      const user = await guarded.tokenFor('alice');
      const forbidden = await fetch(`${guarded.url}/metrics`, {
        headers: { Authorization: `Bearer ${user}` },
      });
      expect(forbidden.status).toBe(403);
      const ok = await fetch(`${guarded.url}/metrics`, {
        headers: { Authorization: `Bearer ${guarded.token}` },
      });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(parseScrape(await ok.text()).value('depot_uploads_created_total')).toBe(0);
    } finally {
      await guarded.close();
    }
    const off = await startDepot({ DEPOT_METRICS: 'off' });
    try {
      expect((await fetch(`${off.url}/metrics`)).status).toBe(404);
      expect(off.server.services.metrics).toBeUndefined();
    } finally {
      await off.close();
    }
  });

  it('rejects a value it does not know', () => {
    expect(() => loadConfig({ DEPOT_METRICS: 'yes' })).toThrow(/DEPOT_METRICS="yes" is not valid/);
  });
});
