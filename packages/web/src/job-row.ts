import { h } from './dom.js';
import { formatDuration, formatTime } from './format.js';
import type { Job } from './types.js';

export type JobAction = 'pause' | 'resume' | 'cancel' | 'details';

const ALLOWED: Record<Exclude<JobAction, 'details'>, readonly string[]> = {
  pause: ['queued', 'running'],
  resume: ['paused'],
  cancel: ['queued', 'running', 'paused'],
};

/** Rows per second over the job's running time so far. */
export function rowsPerSecond(job: Job, now: number): number | null {
  if (!job.startedAt) return null;
  const end = job.finishedAt ? Date.parse(job.finishedAt) : now;
  const secs = (end - Date.parse(job.startedAt)) / 1000;
  return secs > 0 ? job.progress.rowsDone / secs : null;
}

/** One job's row in the dashboard, updated in place so keyboard focus survives live updates. */
export class JobRow {
  readonly el: HTMLTableRowElement;
  private readonly cells: Record<
    'type' | 'state' | 'rate' | 'errors' | 'started' | 'duration',
    HTMLTableCellElement
  >;
  private readonly bar: HTMLProgressElement;
  private readonly buttons: Record<JobAction, HTMLButtonElement>;

  constructor(job: Job, act: (action: JobAction, job: Job) => void) {
    const cell = (label: string) => h('td', { 'data-label': label });
    this.cells = {
      type: cell('Type'),
      state: cell('State'),
      rate: cell('Rows/s'),
      errors: cell('Errors'),
      started: cell('Started'),
      duration: cell('Duration'),
    };
    this.bar = h('progress', { max: '1', value: '0' });
    const short = job.id.slice(0, 8);
    const button = (action: JobAction, text: string) =>
      h(
        'button',
        { type: 'button', 'aria-label': `${text} job ${short}`, onclick: () => act(action, this.job) },
        text,
      );
    this.buttons = {
      details: button('details', 'Details'),
      pause: button('pause', 'Pause'),
      resume: button('resume', 'Resume'),
      cancel: button('cancel', 'Cancel'),
    };
    this.el = h(
      'tr',
      { 'data-id': job.id },
      this.cells.type,
      this.cells.state,
      h('td', { 'data-label': 'Progress' }, this.bar),
      this.cells.rate,
      this.cells.errors,
      this.cells.started,
      this.cells.duration,
      h('td', { class: 'actions' }, ...Object.values(this.buttons)),
    );
    this.job = job;
    this.update(job);
  }

  job: Job;

  update(job: Job): void {
    this.job = job;
    const now = Date.now();
    const { bytesDone, bytesTotal } = job.progress;
    const fraction = job.state === 'completed' ? 1 : bytesTotal > 0 ? bytesDone / bytesTotal : 0;
    this.cells.type.textContent = `${job.type} · ${job.id.slice(0, 8)}`;
    this.cells.state.textContent = job.state;
    this.el.dataset.state = job.state;
    this.bar.value = fraction;
    this.bar.setAttribute('aria-label', `Job ${job.id.slice(0, 8)} ${Math.round(fraction * 100)}% done`);
    const rate = rowsPerSecond(job, now);
    this.cells.rate.textContent = rate === null ? '—' : Math.round(rate).toLocaleString();
    this.cells.errors.textContent = String(job.progress.errorCount);
    this.cells.started.textContent = formatTime(job.startedAt);
    const end = job.finishedAt ? Date.parse(job.finishedAt) : now;
    this.cells.duration.textContent = job.startedAt ? formatDuration(end - Date.parse(job.startedAt)) : '—';
    for (const [action, states] of Object.entries(ALLOWED)) {
      this.buttons[action as keyof typeof ALLOWED].hidden = !states.includes(job.state);
    }
  }
}
