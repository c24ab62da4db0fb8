import type { Api } from './api.js';
import { h } from './dom.js';
import { JobDetail } from './job-detail.js';
import { type JobAction, JobRow } from './job-row.js';
import { Pager } from './pages.js';
import type { Job, JobState } from './types.js';

export interface JobsViewDeps {
  api: Api;
  say(message: string): void;
  download(id: string, name: string): Promise<void>;
}

/** The jobs dashboard: one live row per job, a state filter, and the selected job's detail. */
export class JobsView {
  private readonly body = h('tbody');
  private readonly empty = h('p', {}, 'No jobs to show.');
  private readonly rows = new Map<string, JobRow>();
  /** The newest version of each job seen in an event, which a list fetched earlier must not undo. */
  private readonly latest = new Map<string, Job>();
  private readonly detail: JobDetail;
  private filter: JobState | '' = '';
  private readonly pager: Pager<Job>;

  constructor(
    host: HTMLElement,
    filter: HTMLSelectElement,
    detailHost: HTMLElement,
    private readonly deps: JobsViewDeps,
  ) {
    this.pager = new Pager(
      (before) => deps.api.listJobs(this.filter, before),
      'Show more jobs',
      () => void this.refresh(),
    );
    const cols = ['Job', 'State', 'Progress', 'Rows/s', 'Errors', 'Started', 'Duration', 'Actions'];
    host.append(
      h(
        'table',
        { 'aria-describedby': 'jobs-title' },
        h('thead', {}, h('tr', {}, ...cols.map((c) => h('th', { scope: 'col' }, c)))),
        this.body,
      ),
      this.empty,
      this.pager.button,
    );
    this.detail = new JobDetail(detailHost, deps);
    filter.addEventListener('change', () => {
      this.filter = filter.value as JobState | '';
      this.pager.reset();
      void this.refresh();
    });
  }

  async refresh(): Promise<void> {
    try {
      const jobs = await this.pager.load();
      this.rows.clear();
      this.body.replaceChildren();
      for (const job of jobs) this.upsert(this.newer(job), false);
      this.empty.hidden = jobs.length > 0;
    } catch (err) {
      this.deps.say(`Could not load jobs: ${(err as Error).message}`);
    }
  }

  /** A job.changed / job.progress event: update its row (or add it, newest first). */
  onJob(job: Job): void {
    const seen = this.latest.get(job.id);
    if (seen && seen.updatedAt > job.updatedAt) return;
    this.latest.set(job.id, job);
    this.upsert(job, true);
    this.detail.onJob(job);
  }

  private newer(job: Job): Job {
    const seen = this.latest.get(job.id);
    return seen && seen.updatedAt >= job.updatedAt ? seen : job;
  }

  private upsert(job: Job, newestFirst: boolean): void {
    const row = this.rows.get(job.id);
    if (row) {
      // A shown job stays until the next reload, even if it leaves the filtered state.
      row.update(job);
      return;
    }
    if (this.filter !== '' && this.filter !== job.state) return;
    const created = new JobRow(job, (action, j) => void this.act(action, j));
    this.rows.set(job.id, created);
    if (newestFirst) this.body.prepend(created.el);
    else this.body.append(created.el);
    this.empty.hidden = true;
  }

  private async act(action: JobAction, job: Job): Promise<void> {
    if (action === 'details') return this.detail.show(job);
    try {
      const updated = await this.deps.api.control(job.id, action);
      this.onJob(updated);
      this.deps.say(`Job ${job.id.slice(0, 8)}: ${updated.state}.`);
    } catch (err) {
      this.deps.say(`Could not ${action} job ${job.id.slice(0, 8)}: ${(err as Error).message}`);
    }
  }
}
