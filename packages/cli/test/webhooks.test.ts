import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DepotClient } from '@depot/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLines, runCli } from './helpers/run-cli.js';
import { depotServer, type Started } from './helpers/servers.js';

let depot: Started;
let env: Record<string, string>;
let receiver: Server;
let hookUrl: string;
const bodies: string[] = [];

beforeAll(async () => {
  // Retries in milliseconds, so a failed attempt and its retry both show in the log at once.
  depot = await depotServer(
    {},
    { tuning: { webhooks: { pollMs: 20, retry: { baseMs: 30, maxMs: 60, windowMs: 60_000 } } } },
  );
  env = { DEPOT_URL: depot.url, DEPOT_TOKEN: depot.token };
  // A receiver that fails the first request of each event with 500, then takes it.
  const seen = new Set<string>();
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      bodies.push(body);
      const first = !seen.has(body);
      seen.add(body);
      res.writeHead(first ? 500 : 200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
  await depot.close();
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
});

/** Runs `depot webhooks deliveries ID` until `done(stdout)` holds. */
async function deliveriesUntil(id: string, done: (stdout: string) => boolean, args: string[] = []) {
  for (let i = 0; ; i++) {
    const r = await runCli(['webhooks', 'deliveries', id, ...args], env);
    expect(r.code, r.stderr).toBe(0);
    if (done(r.stdout)) return r.stdout;
    if (i === 100) throw new Error(`deliveries still:\n${r.stdout}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('depot webhooks', () => {
  it('adds a webhook, lists it, shows each delivery attempt, and removes it', async () => {
    const add = await runCli(['webhooks', 'add', hookUrl, '--event', 'upload.finished'], env);
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toMatch(/^whsec_[\w-]+\n$/);
    const id = /created webhook (\S+) for upload.finished/.exec(add.stderr)?.[1] as string;
    expect(id).toBeDefined();
    const ls = await runCli(['webhooks', 'ls'], env);
    expect(ls.stdout).toMatch(/^ID\s+OWNER\s+EVENTS\s+CREATED\s+URL$/m);
    expect(ls.stdout).toMatch(new RegExp(`^${id}\\s+admin\\s+upload.finished\\s+\\S+\\s+${hookUrl}$`, 'm'));

    const client = new DepotClient({ url: depot.url, token: depot.token, store: false });
    const file = await client.upload(new TextEncoder().encode('hi'), { metadata: { filename: 'a.txt' } });
    const out = await deliveriesUntil(id, (s) => /\sdelivered\s/.test(s));
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^DELIVERY\s+EVENT\s+STATE\s+ATTEMPT\s+AT\s+RESULT\s+TOOK\s+NEXT$/);
    // the 500, with when the retry was due, then the 200
    expect(lines[1]).toMatch(/^\S+\s+upload.finished\s+delivered\s+1\s+\S+\s+500\s+\d+ms\s+\d{4}-\S+$/);
    expect(lines[2]).toMatch(/^\S+\s+upload.finished\s+delivered\s+2\s+\S+\s+200\s+\d+ms\s+-$/);
    expect(JSON.parse(bodies[0] as string).data.id).toBe(file.id);

    const json = await runCli(['webhooks', 'deliveries', id, '--json'], env);
    const [delivery] = jsonLines(json.stdout);
    expect(delivery).toMatchObject({ event: 'upload.finished', state: 'delivered', attempts: 2 });
    expect((delivery?.log as { status: number }[]).map((a) => a.status)).toEqual([500, 200]);

    const rm = await runCli(['webhooks', 'rm', id], env);
    expect(rm.stdout).toBe(`removed ${id}\n`);
    expect((await runCli(['webhooks', 'ls', '--quiet'], env)).stdout).toBe('');
  });

  it("keeps owners apart: another owner's webhook is not found", async () => {
    const add = await runCli(['webhooks', 'add', hookUrl, '--event', 'all', '--json'], env);
    const [hook] = jsonLines(add.stdout);
    expect(hook?.events).toEqual(['upload.finished', 'job.completed', 'job.failed', 'job.cancelled']);
    const bob = (await runCli(['token', 'create', 'bob'], env)).stdout.trim();
    const bobEnv = { DEPOT_URL: depot.url, DEPOT_TOKEN: bob };
    expect((await runCli(['webhooks', 'ls', '--quiet'], bobEnv)).stdout).toBe('');
    const theirs = await runCli(['webhooks', 'deliveries', hook?.id as string], bobEnv);
    expect(theirs.code).toBe(1);
    expect(theirs.stderr).toMatch(/no webhook/);
    expect((await runCli(['webhooks', 'rm', hook?.id as string], bobEnv)).code).toBe(1);
    expect((await runCli(['webhooks', 'ls', '--quiet'], env)).stdout).toBe(`${hook?.id}\n`);
  });

  it('reports bad input clearly', async () => {
    const ftp = await runCli(['webhooks', 'add', 'ftp://example.com/', '--event', 'upload.finished'], env);
    expect(ftp.code).toBe(1);
    expect(ftp.stderr).toMatch(/url must use http or https, not ftp/);
    const unknown = await runCli(['webhooks', 'add', hookUrl, '--event', 'upload.started'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown event "upload.started"; known: upload.finished/);
    const none = await runCli(['webhooks', 'add', hookUrl], env);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/needs --event/);
    expect((await runCli(['webhooks', 'frob'], env)).code).toBe(2);
  });
});
