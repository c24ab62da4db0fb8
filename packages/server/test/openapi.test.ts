import diagnostics from 'node:diagnostics_channel';
import { rename } from 'node:fs/promises';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDepot, type TestDepot } from './helpers/depot.js';
import { createJob, reportInput, uploadFile, waitForJob } from './helpers/jobs.js';
import { freePort, startReceiver } from './helpers/receiver.js';

/**
 * Routes deliberately left out of the OpenAPI document, each with its reason. Every other route the
 * server registers must be documented: a summary and described responses (a route added without a
 * schema shows only @fastify/swagger's "Default Response" and fails here). To document a new route,
 * give it `documented(schema)` (src/http/docs/documented.ts) with a schema file beside it.
 */
const HIDDEN: Readonly<Record<string, string>> = {
  'GET /': 'the web UI page: a static file, not API',
  'GET /assets/:name': "the web UI's bundle: static files",
  'GET /docs': 'the documentation page itself (passed to the docs instance, src/http/docs)',
  'GET /docs/*': 'the document (/docs/json, /docs/yaml) and Swagger UI files (from its npm package)',
};

/**
 * Routes that should be documented but are not yet, because their code belongs to work on another
 * branch; whoever merges adds their schemas and removes them from here. A route listed here that
 * has become documented fails the test, so this list only shrinks.
 */
const PENDING: Readonly<Record<string, string>> = {};

type Operation = {
  summary?: string;
  security?: Record<string, string[]>[];
  parameters?: { in: string; name: string }[];
  requestBody?: { required?: boolean };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: object }> }>;
};
type OpenApi = { openapi: string; paths: Record<string, Record<string, Operation>>; components: object };

let depot: TestDepot;
let doc: OpenApi;
const registered = new Set<string>();

beforeAll(async () => {
  // Fastify announces each new instance on this channel, before any route is added to it.
  const onInit = (message: unknown) => {
    (message as { fastify: FastifyInstance }).fastify.addHook('onRoute', (route: RouteOptions) => {
      for (const method of [route.method].flat()) registered.add(`${method} ${route.url}`);
    });
  };
  diagnostics.subscribe('fastify.initialization', onInit);
  try {
    depot = await startDepot();
  } finally {
    diagnostics.unsubscribe('fastify.initialization', onInit);
  }
  const res = await fetch(`${depot.url}/docs/json`);
  expect(res.status).toBe(200);
  doc = (await res.json()) as OpenApi;
});
afterAll(() => depot.close());

/** `/files/:id` → `/files/{id}` */
const openApiPath = (url: string) => url.replace(/:(\w+)/g, '{$1}');
const operation = (key: string, document = doc): Operation | undefined => {
  const [method, url] = key.split(' ') as [string, string];
  return document.paths[openApiPath(url)]?.[method.toLowerCase()];
};
const documentOf = async (url: string): Promise<OpenApi> => (await fetch(`${url}/docs/json`)).json();
/** Documented: a summary, and at least one success response described by its schema. */
const isDocumented = (op: Operation | undefined): boolean =>
  !!op?.summary &&
  Object.entries(op.responses ?? {}).some(
    ([s, r]) => /^[23]/.test(s) && r.description !== 'Default Response',
  );

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1, browsable at /docs with Swagger UI served from the npm package', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const page = await fetch(`${depot.url}/docs/static/index.html`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('swagger-ui-bundle.js');
    // every script, style and icon is relative: served here, from the package, never fetched elsewhere
    const refs = [...html.matchAll(/(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(3);
    expect(refs.filter((r) => /^(https?:)?\/\//.test(r ?? ''))).toEqual([]);
    const bundle = await fetch(`${depot.url}/docs/static/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
    const init = await (await fetch(`${depot.url}/docs/static/swagger-initializer.js`)).text();
    // the page must not call the public validator (a request to the internet from every visit)
    expect(init).toMatch(/"validatorUrl":\s*null/);
  });

  it('documents every route the server registers, except the deliberately hidden ones', () => {
    expect(registered.size).toBeGreaterThan(20);
    const missing: string[] = [];
    for (const key of registered) {
      if (HIDDEN[key] !== undefined) {
        expect(operation(key), `${key} should be hidden`).toBeUndefined();
        continue;
      }
      const documented = isDocumented(operation(key));
      if (PENDING[key] !== undefined) {
        expect(documented, `${key} is documented now: remove it from PENDING`).toBe(false);
        continue;
      }
      if (!documented) missing.push(key);
    }
    expect(missing, 'routes without a schema in the OpenAPI document').toEqual([]);
    // and neither list names a route that no longer exists
    for (const key of [...Object.keys(HIDDEN), ...Object.keys(PENDING)]) expect(registered).toContain(key);
  });

  it('requires a request body only where the route needs one', () => {
    for (const key of ['POST /api/tokens', 'POST /api/webhooks', 'POST /api/jobs', 'POST /api/files'])
      expect(operation(key)?.requestBody?.required, key).toBe(true);
    // {expiresIn?} may be left out, and so may the first chunk of a tus creation
    for (const key of ['POST /api/files/:id/link', 'POST /files/'])
      expect(operation(key)?.requestBody?.required, key).toBe(false);
  });

  it('says who may call: GET and HEAD of a file take a download link instead of the token, the probes nothing', () => {
    for (const key of ['GET /files/:id', 'HEAD /files/:id']) {
      expect(operation(key)?.security, key).toEqual([{ bearer: [] }, {}]);
      expect(operation(key)?.parameters, key).toContainEqual(
        expect.objectContaining({ in: 'query', name: 'link' }),
      );
    }
    // DEPOT_METRICS=on (the default): anyone who reaches the port, like the probes
    for (const key of ['GET /healthz', 'GET /readyz', 'GET /metrics'])
      expect(operation(key)?.security, key).toEqual([]);
    // everything else: the document's default, the bearer token
    for (const key of ['POST /api/files/:id/link', 'POST /api/webhooks', 'PATCH /files/:id'])
      expect(operation(key)?.security, key).toBeUndefined();
  });
});

describe('responses of a real run validate against the document', () => {
  const ajv = new Ajv2020({
    strict: false,
    allErrors: true,
    formats: {
      'date-time': (s: string) => /^\d{4}-\d\d-\d\dT/.test(s) && !Number.isNaN(Date.parse(s)),
      binary: true,
    },
  });
  const checked: string[] = [];

  /**
   * Checks one response against the operation `METHOD /path/{param}`: its status must be documented,
   * its type among the documented ones, and a JSON body must match the documented schema.
   */
  async function check(key: string, res: Response, document = doc): Promise<void> {
    const op = operation(key, document);
    expect(op, `${key} is not in the document`).toBeDefined();
    const documented = op?.responses?.[String(res.status)];
    expect(documented, `${key} answered ${res.status}, which is not documented`).toBeDefined();
    const type = res.headers.get('content-type')?.split(';')[0]?.trim();
    const text = await res.text();
    const content = documented?.content;
    if (type === undefined || text === '') {
      expect(
        content === undefined || ['HEAD'].includes(key.split(' ')[0] as string),
        `${key} ${res.status} has no body`,
      ).toBe(true);
    } else {
      // a download answers in the file's own type, which the document calls application/octet-stream
      const types = Object.keys(content ?? {});
      const asDocumented =
        types.includes(type) || (type !== 'application/json' && types.includes('application/octet-stream'));
      expect(asDocumented, `${key} ${res.status} answered ${type}, documented: ${types.join(', ')}`).toBe(
        true,
      );
      const schema = content?.['application/json']?.schema;
      if (type === 'application/json') {
        expect(schema, `${key} ${res.status}: JSON without a documented schema`).toBeDefined();
        // the schema's #/components/… references resolve against the document's components
        const validate = ajv.compile({ ...(schema as object), components: document.components });
        expect(
          validate(JSON.parse(text)),
          `${key} ${res.status}: ${ajv.errorsText(validate.errors)}\n${text}`,
        ).toBe(true);
      }
    }
    checked.push(`${key} ${res.status}`);
  }

  const auth = (token = depot.token) => ({ Authorization: `Bearer ${token}` });
  const call = (path: string, init: RequestInit & { token?: string } = {}) =>
    fetch(`${depot.url}${path}`, { ...init, headers: { ...auth(init.token), ...(init.headers as object) } });
  const jsonBody = (body: unknown) => ({
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });

  it('files: tus and draft uploads, downloads, the JSON file API and its errors', async () => {
    const tus = { 'Tus-Resumable': '1.0.0' };
    await check('OPTIONS /files/', await fetch(`${depot.url}/files/`, { method: 'OPTIONS', headers: tus }));
    const created = await call('/files/', { method: 'POST', headers: { ...tus, 'Upload-Length': '6' } });
    const url = new URL(created.headers.get('location') as string).pathname;
    await check('POST /files/', created);
    const chunk = { ...tus, 'Content-Type': 'application/offset+octet-stream' };
    await check(
      'PATCH /files/:id',
      await call(url, { method: 'PATCH', headers: { ...chunk, 'Upload-Offset': '3' }, body: 'abc' }),
    );
    await check(
      'PATCH /files/:id',
      await call(url, { method: 'PATCH', headers: { ...chunk, 'Upload-Offset': '0' }, body: 'abcdef' }),
    );
    await check('HEAD /files/:id', await call(url, { method: 'HEAD', headers: tus }));
    await check('HEAD /files/:id', await call(url, { method: 'HEAD' }));
    await check('GET /files/:id', await call(url));
    await check('GET /files/:id', await call(url, { headers: { Range: 'bytes=1-2' } }));
    await check('GET /files/:id', await call(url, { headers: { Range: 'bytes=10-' } }));
    const draft = { 'Upload-Draft-Interop-Version': '6' };
    const viaDraft = await call('/files/', {
      method: 'POST',
      headers: { ...draft, 'Upload-Complete': '?1' },
      body: 'xyz',
    });
    await check('POST /files/', viaDraft);
    await check(
      'HEAD /files/:id',
      await fetch(viaDraft.headers.get('location') as string, {
        method: 'HEAD',
        headers: { ...auth(), ...draft },
      }),
    );
    const id = url.split('/').pop() as string;
    await check('GET /api/files', await call('/api/files?limit=5'));
    await check('GET /api/files', await call('/api/files?limit=0'));
    await check('GET /api/files', await call('/api/files', { token: 'not-a-token-at-all' }));
    await check('GET /api/files/:id', await call(`/api/files/${id}`));
    await check('GET /api/files/:id', await call('/api/files/nope'));
    await check(
      'POST /api/files',
      await call('/api/files', {
        method: 'POST',
        headers: { 'X-File-Name': 'a.txt', 'Content-Type': 'text/plain' },
        body: 'hi',
      }),
    );
    await check('DELETE /files/:id', await call(url, { method: 'DELETE', headers: tus }));
    await check('GET /files/:id', await call(url));
  });

  it('tokens', async () => {
    const created = await call('/api/tokens', jsonBody({ name: 'docs-bot', quota: 1000 }));
    const token = (await created.clone().json()) as { id: string; token: string };
    await check('POST /api/tokens', created);
    await check('POST /api/tokens', await call('/api/tokens', jsonBody({ owner: 'x' })));
    await check('GET /api/tokens', await call('/api/tokens'));
    await check('GET /api/tokens', await call('/api/tokens', { token: token.token }));
    await check('DELETE /api/tokens/:id', await call(`/api/tokens/${token.id}`, { method: 'DELETE' }));
  });

  it('jobs and datasets', async () => {
    const input = await uploadFile(depot.url, depot.token, reportInput(2000, 20), { filename: 'plays.csv' });
    const started = await call('/api/jobs', jsonBody({ type: 'csv-report', fileId: input }));
    const job = (await started.clone().json()) as { id: string };
    await check('POST /api/jobs', started);
    await check('POST /api/jobs', await call('/api/jobs', jsonBody({ type: 'nope', fileId: input })));
    await waitForJob(depot.url, depot.token, job.id);
    await check('GET /api/jobs/:id', await call(`/api/jobs/${job.id}`));
    await check('GET /api/jobs/:id', await call('/api/jobs/nope'));
    await check('GET /api/jobs', await call('/api/jobs?state=completed&limit=5'));
    await check('GET /api/jobs/:id/errors', await call(`/api/jobs/${job.id}/errors?limit=1`));
    await check('GET /api/jobs/:id/errors', await call(`/api/jobs/${job.id}/errors?format=csv`));
    for (const action of ['pause', 'resume', 'cancel']) {
      await check(
        `POST /api/jobs/:id/${action}`,
        await call(`/api/jobs/${job.id}/${action}`, { method: 'POST' }),
      );
    }

    const declared = await call(
      '/api/datasets',
      jsonBody({
        name: 'plays',
        columns: [
          { name: 'Song', type: 'string', required: true },
          { name: 'Date', type: 'date', required: true },
          { name: 'Number of Plays', type: 'integer', required: true },
        ],
      }),
    );
    await check('POST /api/datasets', declared);
    await check('POST /api/datasets', await call('/api/datasets', jsonBody({ name: '' })));
    const imported = await createJob(depot.url, depot.token, 'csv-import', input, { dataset: 'plays' });
    await waitForJob(depot.url, depot.token, imported.id);
    await check('GET /api/datasets', await call('/api/datasets'));
    await check('GET /api/datasets/:name', await call('/api/datasets/plays'));
    await check('GET /api/datasets/:name', await call('/api/datasets/none'));
    const rows = await call('/api/datasets/plays/rows?limit=3');
    expect(((await rows.clone().json()) as { rows: unknown[] }).rows).toHaveLength(3);
    await check('GET /api/datasets/:name/rows', rows);
  });

  it('webhooks: register, list, show, the delivery log, delete', async () => {
    const receiver = await startReceiver();
    try {
      const created = await call(
        '/api/webhooks',
        jsonBody({ url: receiver.url, events: ['upload.finished'] }),
      );
      const hook = (await created.clone().json()) as { id: string };
      await check('POST /api/webhooks', created);
      // a receiver nobody listens on: its log holds a failed attempt (no status, an error, a retry due)
      const refused = `http://127.0.0.1:${await freePort()}/hook`;
      const down = await call(
        '/api/webhooks',
        jsonBody({ url: refused, events: ['upload.finished', 'job.failed'] }),
      );
      const downHook = (await down.clone().json()) as { id: string };
      await check('POST /api/webhooks', down);
      await check(
        'POST /api/webhooks',
        await call('/api/webhooks', jsonBody({ url: 'ftp://x/', events: [] })),
      );
      await check('GET /api/webhooks', await call('/api/webhooks'));
      await check('GET /api/webhooks/:id', await call(`/api/webhooks/${hook.id}`));
      await check('GET /api/webhooks/:id', await call('/api/webhooks/nope'));

      await uploadFile(depot.url, depot.token, new TextEncoder().encode('hooked'), { filename: 'h.txt' });
      await check('GET /api/webhooks/:id/deliveries', await logWithAttempt(hook.id));
      const refusedLog = await logWithAttempt(downHook.id);
      type Log = { deliveries: { state: string; log: { status: unknown; error: unknown }[] }[] };
      const [pending] = ((await refusedLog.clone().json()) as Log).deliveries;
      expect(pending?.state).toBe('pending');
      expect(pending?.log[0]).toMatchObject({ status: null, error: expect.any(String) });
      await check('GET /api/webhooks/:id/deliveries', refusedLog);
      const log = `/api/webhooks/${hook.id}/deliveries`;
      await check('GET /api/webhooks/:id/deliveries', await call(`${log}?limit=0`));
      await check('GET /api/webhooks/:id/deliveries', await call('/api/webhooks/nope/deliveries'));
      for (const id of [hook.id, downHook.id])
        await check('DELETE /api/webhooks/:id', await call(`/api/webhooks/${id}`, { method: 'DELETE' }));
      await check('DELETE /api/webhooks/:id', await call(`/api/webhooks/${hook.id}`, { method: 'DELETE' }));
    } finally {
      await receiver.close();
    }
  });

  /** The delivery log of webhook `id`, once its newest delivery has had an attempt. */
  async function logWithAttempt(id: string): Promise<Response> {
    const until = Date.now() + 20_000;
    for (;;) {
      const res = await call(`/api/webhooks/${id}/deliveries`);
      const { deliveries } = (await res.clone().json()) as { deliveries: { log: unknown[] }[] };
      if ((deliveries[0]?.log.length ?? 0) > 0) return res;
      if (Date.now() > until) throw new Error(`no attempt logged for webhook ${id}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('download links: made with the token, used without it', async () => {
    const id = await uploadFile(depot.url, depot.token, new TextEncoder().encode('linked'), {
      filename: 'l.txt',
    });
    const made = await call(`/api/files/${id}/link`, jsonBody({ expiresIn: 60 }));
    const { url } = (await made.clone().json()) as { url: string };
    await check('POST /api/files/:id/link', made);
    await check('POST /api/files/:id/link', await call(`/api/files/${id}/link`, { method: 'POST' }));
    await check(
      'POST /api/files/:id/link',
      await call(`/api/files/${id}/link`, jsonBody({ expiresIn: 'soon' })),
    );
    await check('POST /api/files/:id/link', await call('/api/files/nope/link', jsonBody({})));
    const linked = await fetch(url);
    expect(linked.status).toBe(200);
    await check('GET /files/:id', linked);
    await check('GET /files/:id', await fetch(url, { headers: { Range: 'bytes=0-1' } }));
    await check('HEAD /files/:id', await fetch(url, { method: 'HEAD' }));
    await check('GET /files/:id', await fetch(`${url}&link=twice`));
    const forged = url.replace(/link=.*/, 'link=not-a-link');
    await check('GET /files/:id', await fetch(forged));
    await check('HEAD /files/:id', await fetch(forged, { method: 'HEAD' }));
  });

  it('operations: /metrics, /healthz, /readyz (200, and 503 while the storage is gone)', async () => {
    const metrics = await fetch(`${depot.url}/metrics`);
    expect(await metrics.clone().text()).toMatch(/^# HELP /m);
    await check('GET /metrics', metrics);
    await check('GET /healthz', await fetch(`${depot.url}/healthz`));
    await check('GET /readyz', await fetch(`${depot.url}/readyz`));
    const blobs = path.join(depot.dataDir, 'blobs');
    await rename(blobs, `${blobs}.away`);
    try {
      const down = await fetch(`${depot.url}/readyz`);
      expect(down.status).toBe(503);
      await check('GET /readyz', down);
    } finally {
      await rename(`${blobs}.away`, blobs);
    }
  });

  it('/metrics with DEPOT_METRICS=admin: documented with the bearer token, 401 and 403', async () => {
    const admin = await startDepot({ DEPOT_METRICS: 'admin' });
    const off = await startDepot({ DEPOT_METRICS: 'off' });
    try {
      const adminDoc = await documentOf(admin.url);
      expect(operation('GET /metrics', adminDoc)?.security).toEqual([{ bearer: [] }]);
      const scrape = (token?: string) =>
        fetch(`${admin.url}/metrics`, token ? { headers: { Authorization: `Bearer ${token}` } } : {});
      await check('GET /metrics', await scrape(admin.token), adminDoc);
      await check('GET /metrics', await scrape(), adminDoc);
      await check('GET /metrics', await scrape(await admin.tokenFor('someone')), adminDoc);
      // with metrics off there is no route, and so no operation
      expect(operation('GET /metrics', await documentOf(off.url))).toBeUndefined();
    } finally {
      await Promise.all([admin.close(), off.close()]);
    }
  });

  it('events', async () => {
    const controller = new AbortController();
    const res = await call('/api/events', { signal: controller.signal });
    expect(res.status).toBe(200);
    expect(operation('GET /api/events')?.responses?.['200']?.content).toHaveProperty('text/event-stream');
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    controller.abort();
    checked.push('GET /api/events 200');
  });

  afterAll(() => {
    // the run covered success and error answers of every JSON API group
    expect(checked.length).toBeGreaterThan(40);
  });
});
