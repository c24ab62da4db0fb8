// The Node entry. Browsers get browser.ts (package.json "browser" condition), which has no node: imports.
export type { DepotClientOptions } from './base-client.js';
export type { Capabilities } from './capabilities.js';
export type { DownloadOptions, DownloadResult } from './download-file.js';
export { ClientCodes, DepotError, isDepotError } from './errors.js';
export { configDir, FileResumeStore } from './file-resume-store.js';
export { DepotClient, type NodeUploadInput } from './node-client.js';
export { type Progress, ProgressMeter } from './progress.js';
export type { ResumeEntry, ResumeStore } from './resume-store.js';
export type { RetryPolicy } from './retry.js';
export type { UploadOptions, UploadResult } from './upload.js';
