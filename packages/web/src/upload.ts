import Uppy from '@uppy/core';
import Dashboard from '@uppy/dashboard';
import Tus from '@uppy/tus';
import '@uppy/core/css/style.min.css';
import '@uppy/dashboard/css/style.min.css';
import type { Api } from './api.js';

const CHUNK = 4 * 2 ** 20;

/**
 * Uppy's Dashboard against Depot's tus endpoint: many files, per-file progress, pause / resume /
 * cancel / retry. When `runReport()` says so, a file is sent with `process=csv-report` and the
 * server starts that job once the upload is whole.
 */
export function mountUploader(target: HTMLElement, api: Api, runReport: () => boolean): Uppy {
  const uppy = new Uppy({ autoProceed: false, id: 'depot' });
  uppy.use(Dashboard, {
    inline: true,
    target,
    width: '100%',
    height: 360,
    proudlyDisplayPoweredByUppy: false,
    showRemoveButtonAfterComplete: true,
    doneButtonHandler: () => uppy.clear(),
  });
  uppy.use(Tus, {
    endpoint: `${location.origin}/files/`,
    headers: api.auth,
    chunkSize: CHUNK,
    retryDelays: [0, 1000, 3000, 5000],
    allowedMetaFields: ['filename', 'filetype', 'process'],
    removeFingerprintOnSuccess: true,
  });
  uppy.on('file-added', (file) => {
    uppy.setFileMeta(file.id, {
      filename: file.name ?? 'upload',
      filetype: file.type || 'application/octet-stream',
      process: runReport() ? 'csv-report' : '',
    });
  });
  return uppy;
}

/** Applies the csv-report choice to every file whose upload has not started (an empty `process` starts no job). */
export function applyReportChoice(uppy: Uppy, run: boolean): void {
  for (const file of uppy.getFiles()) {
    if (!file.progress.uploadStarted) uppy.setFileMeta(file.id, { process: run ? 'csv-report' : '' });
  }
}
