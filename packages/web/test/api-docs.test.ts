import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDepot, type TestDepot } from '../../server/test/helpers/depot.js';
import { consoleErrors, launchChromium, screenshot } from './browser.js';

let depot: TestDepot;
let browser: Browser;

beforeAll(async () => {
  depot = await startDepot();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await depot?.close();
});

describe('the API docs page in a real browser', { timeout: 60_000 }, () => {
  it('shows every operation of the OpenAPI document, with nothing fetched from other sites', async () => {
    const doc = (await (await fetch(`${depot.url}/docs/json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const operations = Object.values(doc.paths).reduce((n, methods) => n + Object.keys(methods).length, 0);
    expect(operations).toBeGreaterThan(20);
    const page = await browser.newPage();
    const errors = consoleErrors(page);
    const elsewhere: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(depot.url)) elsewhere.push(r.url());
    });
    await page.goto(`${depot.url}/docs`);
    await expect.poll(() => page.locator('.opblock').count(), { timeout: 20_000 }).toBe(operations);
    await expect.poll(() => page.locator('.info .title').textContent()).toContain('Depot');
    await screenshot(page, 'api-docs');
    expect(elsewhere).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
