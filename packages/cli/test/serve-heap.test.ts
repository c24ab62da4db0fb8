import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { afterEach, expect, it, vi } from 'vitest';
import { holdYoungGeneration } from '../src/startup-heap.js';
import { startCli } from './helpers/run-cli.js';

const MiB = 2 ** 20;
const dirs: string[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/**
 * Loaded into `depot serve` with --import: on SIGUSR2 it writes the young generation's size, keeps
 * ~48 MiB of small objects alive across many scavenges (what makes V8 grow the young generation),
 * and writes the size again.
 */
const REPORTER = `
import { writeFileSync } from 'node:fs';
import v8 from 'node:v8';
const young = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
process.on('SIGUSR2', () => {
  const before = young();
  const kept = [];
  for (let i = 0; i < 400_000; i++) kept.push({ i, s: 'x'.repeat(64 + (i % 7)) });
  writeFileSync(process.env.HEAP_REPORT, JSON.stringify({ before, after: young(), kept: kept.length }));
});
`;

async function serveWithReporter() {
  const dir = await mkdtemp(path.join(tmpdir(), 'depot-heap-'));
  dirs.push(dir);
  const reporter = path.join(dir, 'reporter.mjs');
  await writeFile(reporter, REPORTER);
  const report = path.join(dir, 'report.json');
  const cli = startCli(['serve', '--port', '0', '--data-dir', path.join(dir, 'data')], {
    DEPOT_ADMIN_TOKEN: 'heap-test-admin-token-0123456789',
    DEPOT_LOG_LEVEL: 'warn',
    NODE_OPTIONS: `--import=${reporter}`,
    HEAP_REPORT: report,
  });
  for (let i = 0; !/listening on/.test(cli.out().stdout); i++) {
    if (i > 400) throw new Error(`depot serve did not start: ${JSON.stringify(cli.out())}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { cli, report };
}

it('depot serve starts with a small young generation, and V8 grows it again once it listens', async () => {
  const { cli, report } = await serveWithReporter();
  try {
    cli.child.kill('SIGUSR2');
    let text = '';
    for (let i = 0; text === '' && i < 200; i++) {
      await new Promise((r) => setTimeout(r, 50));
      text = await readFile(report, 'utf8').catch(() => '');
    }
    const { before, after } = JSON.parse(text) as { before: number; after: number };
    // Left alone, start-up grows it to V8's maximum, 32 MiB (2 × 16 MiB semi-spaces).
    expect(before).toBeLessThanOrEqual(8 * MiB);
    // Growth is V8's again: survivors after start-up grow it as they would in any process.
    expect(after).toBeGreaterThan(before);
  } finally {
    cli.child.kill('SIGTERM');
    await cli.done;
  }
});

it('leaves a growth factor the user set alone', () => {
  const set = vi.spyOn(v8, 'setFlagsFromString');
  holdYoungGeneration(['--semi-space-growth-factor=4'], '')();
  holdYoungGeneration([], '--max-old-space-size=512 --semi_space_growth_factor=3')();
  expect(set).not.toHaveBeenCalled();
  holdYoungGeneration([], '')();
  expect(set.mock.calls).toEqual([['--semi-space-growth-factor=1'], ['--semi-space-growth-factor=2']]);
});
