import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { errors } from '../core/errors.js';

/** packages/web/dist, beside this package (the same depth from src/ and dist/). */
export const DEFAULT_WEB_DIR = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};
/** Hashed names only (`main-6IXNZBO5.js`): no paths, no dot-files. */
const ASSET_NAME = /^[\w-]+\.[a-z0-9]+$/i;

export interface WebUiOptions {
  readonly dir: string;
}

/**
 * The web UI's static files, without auth: `/` is index.html (no-cache: it names the current
 * assets), `/assets/NAME` are content-hashed and so cached for a year, immutable.
 */
export async function webUiRoutes(app: FastifyInstance, opts: WebUiOptions): Promise<void> {
  // Static files of the browser UI, not API: left out of the OpenAPI document.
  const hidden = { schema: { hide: true } };
  app.get('/', hidden, async (_request, reply) => {
    const html = await readFile(path.join(opts.dir, 'index.html')).catch(() => null);
    if (!html) throw errors.notFound('the web UI is not built (npm run build)');
    return reply
      .header('Content-Type', 'text/html; charset=utf-8')
      .header('Cache-Control', 'no-cache')
      .header('X-Content-Type-Options', 'nosniff')
      .header('Referrer-Policy', 'no-referrer')
      .send(html);
  });
  app.get<{ Params: { name: string } }>('/assets/:name', hidden, async (request, reply) => {
    const { name } = request.params;
    const type = TYPES[path.extname(name).toLowerCase()];
    const body =
      ASSET_NAME.test(name) && type
        ? await readFile(path.join(opts.dir, 'assets', name)).catch(() => null)
        : null;
    if (!body) throw errors.notFound(`no asset ${name}`);
    return reply
      .header('Content-Type', type)
      .header('Cache-Control', 'public, max-age=31536000, immutable')
      .header('X-Content-Type-Options', 'nosniff')
      .send(body);
  });
}
