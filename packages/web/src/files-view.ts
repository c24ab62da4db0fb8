import type { Api } from './api.js';
import { h } from './dom.js';
import { formatBytes, formatTime } from './format.js';
import { Pager } from './pages.js';
import type { FileInfo } from './types.js';

export interface FilesViewDeps {
  api: Api;
  say(message: string): void;
  download(id: string, name: string): Promise<void>;
  jobStarted(): void;
}

const isCsv = (f: FileInfo) => f.type === 'text/csv' || /\.csv$/i.test(f.name ?? '');

/** The files table (name, size, status, created, sha256) with download, report and delete. */
export class FilesView {
  private readonly body = h('tbody');
  private readonly empty = h('p', {}, 'No files yet.');
  private pending = 0;
  private readonly pager: Pager<FileInfo>;

  constructor(
    host: HTMLElement,
    private readonly deps: FilesViewDeps,
  ) {
    const head = ['Name', 'Size', 'Status', 'Created', 'SHA-256', 'Actions'].map((t) =>
      h('th', { scope: 'col' }, t),
    );
    this.pager = new Pager(
      (cursor) => deps.api.listFiles(cursor),
      'Show more files',
      () => void this.refresh(),
    );
    host.append(
      h('table', { 'aria-describedby': 'files-title' }, h('thead', {}, h('tr', {}, ...head)), this.body),
      this.empty,
      this.pager.button,
    );
  }

  /** Reloads the list, at most once per 300 ms however many events ask for it. */
  refreshSoon(): void {
    if (this.pending) return;
    this.pending = window.setTimeout(() => {
      this.pending = 0;
      void this.refresh();
    }, 300);
  }

  async refresh(): Promise<void> {
    try {
      const files = await this.pager.load();
      // Keep keyboard focus on the same button across the redraw.
      const focused = document.activeElement?.getAttribute('aria-label');
      this.body.replaceChildren(...files.map((f) => this.row(f)));
      if (focused) this.body.querySelector<HTMLElement>(`[aria-label="${CSS.escape(focused)}"]`)?.focus();
      this.empty.hidden = files.length > 0;
    } catch (err) {
      this.deps.say(`Could not load files: ${(err as Error).message}`);
    }
  }

  private row(f: FileInfo): HTMLTableRowElement {
    const name = f.name ?? f.id;
    const actions = h('td', { class: 'actions' });
    if (f.status === 'complete') {
      actions.append(
        h(
          'button',
          {
            type: 'button',
            'aria-label': `Download ${name}`,
            onclick: () => void this.deps.download(f.id, name),
          },
          'Download',
        ),
      );
    }
    if (f.status === 'complete' && isCsv(f)) {
      actions.append(
        h(
          'button',
          {
            type: 'button',
            'aria-label': `Run csv-report on ${name}`,
            onclick: () => void this.report(f.id, name),
          },
          'Report',
        ),
      );
    }
    actions.append(
      h(
        'button',
        {
          type: 'button',
          class: 'danger',
          'aria-label': `Delete ${name}`,
          onclick: () => void this.remove(f.id, name),
        },
        'Delete',
      ),
    );
    const size = f.size === null ? '—' : formatBytes(f.size);
    return h(
      'tr',
      { 'data-id': f.id },
      h('td', { 'data-label': 'Name', class: 'name' }, name),
      h(
        'td',
        {
          'data-label': 'Size',
          title: f.size === null ? '' : `${f.size} bytes`,
          'data-bytes': String(f.size ?? ''),
        },
        size,
      ),
      h(
        'td',
        { 'data-label': 'Status' },
        f.status === 'complete' ? 'complete' : `uploading ${formatBytes(f.offset)}`,
      ),
      h('td', { 'data-label': 'Created' }, formatTime(f.createdAt)),
      h('td', { 'data-label': 'SHA-256' }, h('code', { class: 'sha' }, f.sha256 ?? '—')),
      actions,
    );
  }

  private async report(id: string, name: string): Promise<void> {
    try {
      await this.deps.api.createJob('csv-report', id);
      this.deps.say(`Started csv-report on ${name}.`);
      this.deps.jobStarted();
    } catch (err) {
      this.deps.say(`Could not start csv-report on ${name}: ${(err as Error).message}`);
    }
  }

  private async remove(id: string, name: string): Promise<void> {
    if (!window.confirm(`Delete ${name}? This cannot be undone.`)) return;
    try {
      await this.deps.api.deleteFile(id);
      this.deps.say(`Deleted ${name}.`);
      await this.refresh();
    } catch (err) {
      this.deps.say(`Could not delete ${name}: ${(err as Error).message}`);
    }
  }
}
