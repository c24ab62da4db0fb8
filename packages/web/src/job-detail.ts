import type { Api } from './api.js';
import { h } from './dom.js';
import { formatBytes, formatTime } from './format.js';
import type { Job } from './types.js';

export interface JobDetailDeps {
  api: Api;
  say(message: string): void;
  download(id: string, name: string): Promise<void>;
}

/** The selected job: its fields, its output's download, and its per-row errors. */
export class JobDetail {
  private current: string | null = null;
  private lastState = '';

  constructor(
    private readonly host: HTMLElement,
    private readonly deps: JobDetailDeps,
  ) {}

  async show(job: Job): Promise<void> {
    this.current = job.id;
    await this.render(job);
    this.host.querySelector<HTMLElement>('h3')?.focus();
  }

  /** Redraws when the shown job changes state (progress alone does not need it). */
  onJob(job: Job): void {
    if (job.id === this.current && job.state !== this.lastState) void this.render(job);
  }

  private async render(job: Job): Promise<void> {
    this.lastState = job.state;
    const { errors } = await this.deps.api.jobErrors(job.id).catch(() => ({ errors: [] }));
    const p = job.progress;
    const fields: [string, string][] = [
      ['Id', job.id],
      ['Type', job.type],
      ['State', job.state],
      ['Input file', job.fileId],
      ['Read', `${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)}`],
      ['Rows', p.rowsDone.toLocaleString()],
      ['Row errors', String(p.errorCount)],
      ['Created', formatTime(job.createdAt)],
      ['Finished', formatTime(job.finishedAt)],
    ];
    if (job.error)
      fields.push([
        'Failure',
        typeof job.error === 'string' ? job.error : `${job.error.code}: ${job.error.message}`,
      ]);
    const output = job.outputFileId;
    this.host.replaceChildren(
      h('h3', { tabindex: '-1', id: 'job-detail-title' }, `Job ${job.id.slice(0, 8)}`),
      h('dl', {}, ...fields.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
      ...(output
        ? [
            h(
              'button',
              { type: 'button', onclick: () => void this.deps.download(output, `${job.id}.csv`) },
              'Download output',
            ),
          ]
        : []),
      h(
        'h4',
        {},
        `Row errors (${errors.length}${p.errorCount > errors.length ? ` of ${p.errorCount}` : ''})`,
      ),
      errors.length === 0
        ? h('p', {}, 'None.')
        : h(
            'table',
            {},
            h(
              'thead',
              {},
              h('tr', {}, ...['Row', 'Reason', 'Line'].map((c) => h('th', { scope: 'col' }, c))),
            ),
            h(
              'tbody',
              {},
              ...errors.map((e) =>
                h(
                  'tr',
                  {},
                  h('td', {}, String(e.row)),
                  h('td', {}, e.reason),
                  h('td', {}, h('code', {}, e.raw)),
                ),
              ),
            ),
          ),
    );
  }
}
