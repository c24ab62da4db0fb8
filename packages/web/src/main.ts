import './styles.css';
import { Api, ApiError } from './api.js';
import { byId } from './dom.js';
import { downloadFile } from './download.js';
import { followEvents } from './events.js';
import { FilesView } from './files-view.js';
import { JobsView } from './jobs-view.js';
import { forgetToken, initialToken, saveToken } from './token.js';
import type { Job } from './types.js';
import { applyReportChoice, mountUploader } from './upload.js';

const SECTIONS = ['upload', 'files', 'jobs'] as const;
const status = byId('status');
const say = (message: string) => {
  status.textContent = message;
};

/** Asks the server whether `token` is good; a refusal becomes a plain sentence. */
async function check(api: Api): Promise<string | null> {
  try {
    await api.request('/api/files?limit=1');
    return null;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401)
      return 'The server refused this token: it is wrong or revoked.';
    if (err instanceof ApiError && err.status === 429)
      return 'Too many failed attempts from here: wait a minute, then try again.';
    return `Could not reach the server: ${(err as Error).message}`;
  }
}

function showSection(): void {
  const wanted = location.hash.slice(1);
  const current = (SECTIONS as readonly string[]).includes(wanted) ? wanted : 'upload';
  for (const s of SECTIONS) byId(s).hidden = s !== current;
  for (const a of byId('nav').querySelectorAll('a')) {
    if (a.getAttribute('href') === `#${current}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

/** Where a sign-out tells the next page load why it happened. */
const NOTICE = 'depot.notice';

function start(api: Api): void {
  // A token revoked while the page is open: back to the sign-in form, saying why.
  api.onRefused = () => {
    forgetToken();
    sessionStorage.setItem(NOTICE, 'The server refused this token: it was revoked or is no longer valid.');
    location.assign('/');
  };
  byId('login').hidden = true;
  byId('nav').hidden = false;
  const download = (id: string, name: string) =>
    downloadFile(api, id, name).catch((err: Error) => say(`Download failed: ${err.message}`));
  const files = new FilesView(byId('files-table'), {
    api,
    say,
    download,
    jobStarted: () => void jobs.refresh(),
  });
  const jobs = new JobsView(byId('jobs-table'), byId<HTMLSelectElement>('job-filter'), byId('job-detail'), {
    api,
    say,
    download,
  });
  const report = byId<HTMLInputElement>('process-report');
  const uppy = mountUploader(byId('uploader'), api, () => report.checked);
  report.addEventListener('change', () => applyReportChoice(uppy, report.checked));
  uppy.on('upload-success', () => files.refreshSoon());
  window.addEventListener('hashchange', showSection);
  showSection();
  void files.refresh();
  void jobs.refresh();
  const onEvent = (event: string, data: unknown) => {
    if (event.startsWith('upload.')) files.refreshSoon();
    if (event.startsWith('job.')) {
      jobs.onJob(data as Job);
      if (event === 'job.changed') files.refreshSoon();
    }
  };
  // After a (re)connect, reload both lists: events missed while away are not replayed.
  const onOpen = () => {
    document.body.dataset.live = 'true';
    files.refreshSoon();
    void jobs.refresh();
  };
  void followEvents(api, onEvent, onOpen, new AbortController().signal);
}

function login(message = ''): void {
  byId('login').hidden = false;
  byId('login-error').textContent = message;
  const input = byId<HTMLInputElement>('token-input');
  input.focus();
  byId<HTMLFormElement>('login-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const api = new Api(input.value.trim());
    const problem = await check(api);
    byId('login-error').textContent = problem ?? '';
    if (problem) return input.focus();
    saveToken(api.token);
    start(api);
  });
}

async function boot(): Promise<void> {
  byId('sign-out').addEventListener('click', () => {
    forgetToken();
    location.assign('/');
  });
  const notice = sessionStorage.getItem(NOTICE);
  sessionStorage.removeItem(NOTICE);
  const token = initialToken();
  if (!token) return login(notice ?? '');
  const api = new Api(token);
  const problem = await check(api);
  if (problem) {
    forgetToken();
    return login(problem);
  }
  start(api);
}

void boot();
