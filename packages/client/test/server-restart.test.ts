import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DepotClient } from '../src/index.js';
import { scratch } from './helpers/depot.js';
import { freePort, kill, spawnDepot } from './helpers/spawn-depot.js';

const MiB = 2 ** 20;
const TOKEN = 'restart-test-admin-token-0123456789';
let work: { dir: string; remove: () => Promise<void> };
let port: number;
let server: ChildProcess;
const env = () => ({ DEPOT_DATA_DIR: work.dir, DEPOT_ADMIN_TOKEN: TOKEN });

beforeAll(async () => {
  work = await scratch('depot-restart-');
  port = await freePort();
  server = await spawnDepot(port, env());
});
afterAll(async () => {
  await kill(server, 'SIGTERM');
  await work.remove();
});

describe('the server killed (SIGKILL) and restarted mid-upload', () => {
  it('the client resumes and finishes, sending again at most the chunks in flight', async () => {
    const data = randomBytes(48 * MiB);
    const chunk = MiB;
    const client = new DepotClient({
      url: `http://127.0.0.1:${port}`,
      token: TOKEN,
      store: false,
      retry: { retries: 30, minDelay: 50, maxDelay: 1_000 },
    });
    let restarted: Promise<void> | undefined;
    const res = await client.upload(data, {
      chunkSize: chunk,
      onProgress: (p) => {
        if (!restarted && p.bytesSent >= data.length / 3) {
          restarted = (async () => {
            await kill(server, 'SIGKILL');
            server = await spawnDepot(port, env());
          })();
        }
      },
    });
    await restarted;
    expect(restarted).toBeDefined();
    expect(res.bytesSent).toBeLessThanOrEqual(data.length + 2 * chunk);
    const stored = await fetch(`http://127.0.0.1:${port}/files/${res.id}`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    expect(
      createHash('sha256')
        .update(Buffer.from(await stored.arrayBuffer()))
        .digest('hex'),
    ).toBe(createHash('sha256').update(data).digest('hex'));
  });
});
