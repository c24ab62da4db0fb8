import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDepot, type TestDepot } from '../../server/test/helpers/depot.js';
import { uploadFile } from '../../server/test/helpers/jobs.js';
import { slowReport } from '../../server/test/helpers/slow-processor.js';
import { consoleErrors, launchChromium, screenshot } from './browser.js';
import { bigReportInput, reportCase } from './csv.js';

const MiB = 2 ** 20;
let depot: TestDepot;
let token: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let errors: string[];
let dir: string;

beforeAll(async () => {
  // csv-report reads at most 4 MB/s here, so a job stays running while the test clicks its buttons
  depot = await startDepot({}, { processors: { 'csv-report': slowReport(4_000_000) } });
  token = await depot.tokenFor('web-e2e');
  dir = await mkdtemp(path.join(tmpdir(), 'depot-web-e2e-'));
  browser = await launchChromium();
  context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  errors = consoleErrors(page);
});
afterAll(async () => {
  await browser?.close();
  await depot?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

// A failed step leaves a picture of the page behind, to see why.
afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail')
    await screenshot(page, `failed-${ctx.task.name.slice(0, 40)}`).catch(() => {});
});

const row = (name: string) => page.locator('#files-table tbody tr', { hasText: name });

/** Adds files to Uppy's Dashboard (its hidden file input) and presses its upload button. */
async function uploadThroughDashboard(file: string): Promise<void> {
  await page.getByRole('link', { name: 'Upload' }).click();
  await page.locator('input.uppy-Dashboard-input[type=file]').first().setInputFiles(file);
  await page.locator('.uppy-StatusBar-actionBtn--upload').click();
}

describe('the web UI in a real browser', { timeout: 120_000 }, () => {
  it('says plainly that a wrong token is refused', async () => {
    const other = await context.newPage();
    const otherErrors = consoleErrors(other);
    await other.goto(`${depot.url}/`);
    await other.getByLabel('Access token').fill('not-a-real-token');
    await other.getByRole('button', { name: 'Use token' }).click();
    await expect.poll(() => other.locator('#login-error').textContent()).toContain('refused this token');
    await screenshot(other, '1-login-refused');
    // The browser logs the 401 response itself; nothing else may be logged.
    expect(otherErrors.filter((e) => !e.includes('401'))).toEqual([]);
    await other.close();
  });

  it('takes a token once, keeps it, and takes one from a ?token= link', async () => {
    await page.goto(`${depot.url}/`);
    // By keyboard: the token field has the focus; Enter submits.
    await page.getByLabel('Access token').waitFor();
    await page.keyboard.type(token);
    await page.keyboard.press('Enter');
    await page.getByRole('link', { name: 'Files' }).waitFor();
    expect(await page.evaluate(() => localStorage.getItem('depot.token'))).toBe(token);
    await page.reload();
    await page.getByRole('link', { name: 'Jobs' }).waitFor();
    expect(await page.locator('#login').isHidden()).toBe(true);
    // A link signs in too, and the token leaves the address bar.
    await page.evaluate(() => localStorage.clear());
    await page.goto(`${depot.url}/?token=${encodeURIComponent(token)}#files`);
    await page.locator('#files-table table').waitFor();
    expect(page.url()).not.toContain('token=');
    expect(await page.evaluate(() => localStorage.getItem('depot.token'))).toBe(token);
  });

  it('uploads a 20 MiB file through the Dashboard, paused and resumed, then lists its size and sha256', async () => {
    const bytes = Buffer.alloc(20 * MiB);
    for (let i = 0; i < bytes.length; i += 4096) bytes.writeUInt32LE((i * 2654435761) >>> 0, i);
    const file = path.join(dir, 'big-20MiB.bin');
    await writeFile(file, bytes);
    // Hold the second chunk so that the upload is surely mid-way when we pause it.
    let patches = 0;
    let release: (() => void) | undefined;
    const held = new Promise<void>((r) => {
      release = r;
    });
    let holding = false;
    await page.route('**/files/*', async (route: Route) => {
      if (route.request().method() === 'PATCH' && ++patches === 2) {
        holding = true;
        await held;
        await route.abort().catch(() => {});
        return;
      }
      await route.continue().catch(() => {});
    });
    await uploadThroughDashboard(file);
    await expect.poll(() => holding, { timeout: 30_000 }).toBe(true);
    await page.getByRole('button', { name: 'Pause upload' }).click();
    release?.();
    await page.getByRole('button', { name: 'Resume upload' }).waitFor();
    await screenshot(page, '2-upload-paused');
    // Paused: the server holds part of the file only.
    const listed = await (
      await fetch(`${depot.url}/api/files?limit=10`, { headers: { Authorization: `Bearer ${token}` } })
    ).json();
    const partial = listed.files.find((f: { name: string }) => f.name === 'big-20MiB.bin');
    expect(partial.status).toBe('uploading');
    expect(partial.offset).toBeLessThan(20 * MiB);
    await page.getByRole('button', { name: 'Resume upload' }).click();
    await page.locator('.uppy-StatusBar-content[title="Complete"]').waitFor({ timeout: 60_000 });
    await screenshot(page, '3-upload-complete');
    await page.unroute('**/files/*');
    // Done clears the Dashboard for the next files.
    await page.locator('.uppy-StatusBar-actionBtn--done').click();

    await page.getByRole('link', { name: 'Files' }).click();
    const r = row('big-20MiB.bin');
    await expect.poll(() => r.locator('td[data-label=Status]').textContent()).toBe('complete');
    expect(await r.locator('td[data-label=Size]').getAttribute('data-bytes')).toBe(String(20 * MiB));
    expect(await r.locator('code.sha').textContent()).toBe(createHash('sha256').update(bytes).digest('hex'));
    await screenshot(page, '4-files');
  });

  it('runs csv-report on an uploaded CSV, shows it completed, and downloads the same output', async () => {
    const { input, expected } = reportCase(5000);
    const file = path.join(dir, 'plays.csv');
    await writeFile(file, input);
    // The choice may come after the file is added: it counts for files not yet started.
    await page.getByRole('link', { name: 'Upload' }).click();
    await page.locator('input.uppy-Dashboard-input[type=file]').first().setInputFiles(file);
    await page.getByLabel('Run csv-report on each finished file').check();
    await page.locator('.uppy-StatusBar-actionBtn--upload').click();
    await page.locator('.uppy-StatusBar-content[title="Complete"]').waitFor({ timeout: 60_000 });
    await page.getByLabel('Run csv-report on each finished file').uncheck();

    await page.getByRole('link', { name: 'Jobs' }).click();
    const jobRow = page.locator('#jobs-table tbody tr[data-state=completed]', { hasText: 'csv-report' });
    await jobRow.waitFor({ timeout: 60_000 });
    await jobRow.getByRole('button', { name: /^Details/ }).click();
    await page.locator('#job-detail-title').waitFor();
    const errorRows = page.locator('#job-detail tbody tr');
    expect(await errorRows.count()).toBe(1);
    expect(await errorRows.locator('td').first().textContent()).toBe('4');
    expect(await errorRows.locator('code').textContent()).toBe('Broken row,2024-01-01');
    await screenshot(page, '5-jobs-completed');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download output' }).click(),
    ]);
    // the browser saved it from a download link itself: the page never held the bytes
    expect(download.url()).toMatch(/\/files\/[^/?]+\?link=/);
    const saved = path.join(dir, 'report-download.csv');
    await download.saveAs(saved);
    expect(await readFile(saved, 'utf8')).toBe(expected);
  });

  it('pauses, resumes and cancels a running job from the dashboard', async () => {
    const fileId = await uploadFile(depot.url, token, bigReportInput(2_000_000), {
      filename: 'big-plays.csv',
    });
    await page.goto(`${depot.url}/#files`);
    await row('big-plays.csv').getByRole('button', { name: 'Run csv-report on big-plays.csv' }).click();
    await page.getByRole('link', { name: 'Jobs' }).click();
    const running = page.locator('#jobs-table tbody tr[data-state=running]');
    await running.waitFor({ timeout: 30_000 });
    await running.getByRole('button', { name: /^Pause/ }).click();
    const paused = page.locator('#jobs-table tbody tr[data-state=paused]');
    await paused.waitFor({ timeout: 30_000 });
    await paused.getByRole('button', { name: /^Resume/ }).click();
    const again = page.locator('#jobs-table tbody tr[data-state=running]');
    await again.waitFor({ timeout: 30_000 });
    await again.getByRole('button', { name: /^Cancel/ }).click();
    const cancelled = page.locator('#jobs-table tbody tr[data-state=cancelled]');
    await cancelled.waitFor({ timeout: 30_000 });
    expect(await cancelled.locator('td[data-label=State]').textContent()).toBe('cancelled');
    const job = await (
      await fetch(`${depot.url}/api/jobs?state=cancelled`, { headers: { Authorization: `Bearer ${token}` } })
    ).json();
    expect(job.jobs.map((j: { fileId: string }) => j.fileId)).toEqual([fileId]);
    await page.getByLabel('Show').selectOption('cancelled');
    await expect.poll(() => page.locator('#jobs-table tbody tr').count()).toBe(1);
    await screenshot(page, '6-jobs-cancelled');
  });

  it('stays readable at phone width, deletes a file, and logged no errors in the console', async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    await page.goto(`${depot.url}/#files`);
    await row('plays.csv').first().waitFor();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(375);
    await screenshot(page, '7-files-phone');
    // Delete, confirmed in the browser's dialog: the row goes, and so does the file.
    page.once('dialog', (d) => void d.accept());
    const big = row('big-20MiB.bin');
    const id = await big.getAttribute('data-id');
    expect(await big.getByRole('button', { name: /^Run csv-report/ }).count()).toBe(0);
    await big.getByRole('button', { name: 'Delete big-20MiB.bin' }).click();
    await big.waitFor({ state: 'detached' });
    const gone = await fetch(`${depot.url}/api/files/${id}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(gone.status).toBe(404);
    expect(errors).toEqual([]);
  });

  it('shows long lists a page at a time, with a button for more', async () => {
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${depot.url}${path}`, {
        ...init,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...init.headers },
      });
    const tiny = await uploadFile(depot.url, token, new TextEncoder().encode(reportCase(3).input), {
      filename: 'tiny.csv',
    });
    for (let i = 0; i < 101; i++) {
      const res = await api('/api/jobs', {
        method: 'POST',
        body: JSON.stringify({ type: 'csv-report', fileId: tiny }),
      });
      expect(res.status).toBe(202);
    }
    for (let i = 0; i < 100; i++)
      await uploadFile(depot.url, token, new Uint8Array([i]), { filename: `n${i}.bin` });
    // every job has ended (each wrote its output file) before the lists are counted
    await expect
      .poll(async () => (await (await api('/api/jobs?state=queued,running&limit=1')).json()).jobs.length, {
        timeout: 60_000,
      })
      .toBe(0);
    const total = async (path: string, key: string) => (await (await api(path)).json())[key].length as number;
    const files = await total('/api/files?limit=1000', 'files');
    const jobs = await total('/api/jobs?limit=500', 'jobs');
    expect(files).toBeGreaterThan(200);
    expect(jobs).toBeGreaterThan(100);

    await page.goto(`${depot.url}/?token=${token}#files`);
    const fileRows = page.locator('#files-table tbody tr');
    await expect.poll(() => fileRows.count()).toBe(100);
    const moreFiles = page.getByRole('button', { name: 'Show more files' });
    await moreFiles.click();
    await expect.poll(() => fileRows.count()).toBe(200);
    await moreFiles.click();
    await expect.poll(() => fileRows.count()).toBe(files);
    await moreFiles.waitFor({ state: 'hidden' });

    await page.getByRole('link', { name: 'Jobs' }).click();
    const jobRows = page.locator('#jobs-table tbody tr');
    await expect.poll(() => jobRows.count()).toBe(100);
    await page.getByRole('button', { name: 'Show more jobs' }).click();
    await expect.poll(() => jobRows.count()).toBe(jobs);
    await page.getByRole('button', { name: 'Show more jobs' }).waitFor({ state: 'hidden' });
    await screenshot(page, '8-jobs-more');
    expect(errors).toEqual([]);
  });

  it('signs out, saying why, when the token is revoked while the page is open', async () => {
    const res = await fetch(`${depot.url}/api/tokens`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${depot.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'web-revoked' }),
    });
    const made = (await res.json()) as { id: string; token: string };
    await uploadFile(depot.url, made.token, new Uint8Array(10), { filename: 'doomed.bin' });
    const other = await context.newPage();
    await other.goto(`${depot.url}/?token=${made.token}#files`);
    const doomed = other.locator('#files-table tbody tr', { hasText: 'doomed.bin' });
    await doomed.waitFor();
    const revoked = await fetch(`${depot.url}/api/tokens/${made.id}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${depot.token}` },
    });
    expect(revoked.status).toBe(204);
    await doomed.getByRole('button', { name: 'Download doomed.bin' }).click();
    await other.locator('#login').waitFor();
    expect(await other.locator('#login-error').textContent()).toContain('revoked');
    expect(await other.evaluate(() => localStorage.getItem('depot.token'))).toBeNull();
    await screenshot(other, '9-revoked');
    await other.close();
  });
});
