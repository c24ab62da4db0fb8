import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { JobService } from '../../core/jobs/job-service.js';
import { actorOf } from '../request-context.js';
import { afterParam, limitParam } from './query.js';

const CSV_PAGE = 5_000;
const csvCell = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

/**
 * GET /api/jobs/:id/errors: a JSON page (`?after=ROW&limit=N`, `next` to go on), or with
 * `?format=csv` or `Accept: text/csv` every error as CSV (row,raw,reason), streamed.
 */
export async function sendErrors(
  jobs: JobService,
  request: FastifyRequest<{ Params: { id: string } }>,
  reply: FastifyReply,
): Promise<unknown> {
  const actor = actorOf(request);
  const id = request.params.id;
  const q = request.query as { after?: string; limit?: string; format?: string };
  const csv =
    q.format === 'csv' || (q.format === undefined && /\btext\/csv\b/.test(request.headers.accept ?? ''));
  const after = afterParam(q.after);
  if (!csv) {
    const limit = limitParam(q.limit, 100, 1000);
    const page = await jobs.errors(actor, id, after, limit);
    return { errors: page, next: page.length === limit ? (page.at(-1)?.row ?? null) : null };
  }
  await jobs.get(actor, id);
  async function* lines() {
    yield 'row,raw,reason\n';
    let from = after;
    for (;;) {
      const page = await jobs.errors(actor, id, from, CSV_PAGE);
      yield page.map((e) => `${e.row},${csvCell(e.raw)},${csvCell(e.reason)}\n`).join('');
      if (page.length < CSV_PAGE) return;
      from = page.at(-1)!.row;
    }
  }
  return reply
    .type('text/csv; charset=utf-8')
    .header('Content-Disposition', `attachment; filename="job-${id}-errors.csv"`)
    .send(Readable.from(lines()));
}
