import type { FastifyInstance } from 'fastify';
import { errors } from '../../core/errors.js';
import type { FileService } from '../../core/files.js';
import { isUploadId } from '../../core/ids.js';
import type { TokenService } from '../../core/tokens.js';
import { bearerAuth } from '../auth.js';
import { documented } from '../docs/documented.js';
import { actorOf, baseUrl } from '../request-context.js';
import { createLinkSchema } from './link-schema.js';

/**
 * `POST /api/files/:id/link {expiresIn?}` → a URL that downloads the file without a bearer
 * header until it expires (seconds; 15 minutes by default, 7 days at most): what a browser needs
 * to save a big file straight to disk, or what one hands to a tool that cannot send headers.
 */
export async function linkRoutes(
  app: FastifyInstance,
  opts: { files: FileService; tokens: TokenService },
): Promise<void> {
  app.addHook('onRequest', bearerAuth(opts.tokens));
  const linkDoc = documented(createLinkSchema);
  app.post<{ Params: { id: string } }>('/api/files/:id/link', linkDoc, async (request, reply) => {
    const { id } = request.params;
    if (!isUploadId(id)) throw errors.notFound(`no upload ${id.slice(0, 64)}`);
    const body = request.body ?? {};
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw errors.badRequest('send a JSON object {expiresIn?}');
    const { expiresIn } = body as Record<string, unknown>;
    if (expiresIn !== undefined && !(typeof expiresIn === 'number' && Number.isInteger(expiresIn)))
      throw errors.badRequest('expiresIn must be a whole number of seconds');
    const actor = actorOf(request);
    await opts.files.info(actor, id); // 404 unless this token may read the file
    const { link, expiresAt } = await opts.tokens.linkFor(
      actor,
      id,
      expiresIn === undefined ? undefined : expiresIn * 1000,
    );
    return reply.code(201).send({
      url: `${baseUrl(request)}/files/${id}?link=${link}`,
      expiresAt: new Date(expiresAt).toISOString(),
    });
  });
}
