// The Node entry. Browsers get browser.ts (package.json "browser" condition), which has no node: imports.
export type * from './api-types.js';
export { FINAL_JOB_STATES } from './api-types.js';
export type { DepotClientOptions } from './base-client.js';
export type { Capabilities } from './capabilities.js';
export type { DatasetsApi } from './datasets-api.js';
export type { DownloadOptions, DownloadResult } from './download-file.js';
export { errnoReason } from './errno-reason.js';
export { ClientCodes, DepotError, isDepotError } from './errors.js';
export { configDir, FileResumeStore } from './file-resume-store.js';
export type { FilesApi } from './files-api.js';
export type { JobsApi, WaitOptions } from './jobs-api.js';
export { DepotClient, type NodeUploadInput } from './node-client.js';
export { type Progress, ProgressMeter } from './progress.js';
export type { ResumeEntry, ResumeStore } from './resume-store.js';
export type { RetryPolicy } from './retry.js';
export type { TokensApi } from './tokens-api.js';
export type { UploadOptions, UploadResult } from './upload.js';
// the webhook types and WEBHOOK_EVENTS
export * from './webhook-types.js';
export type { WebhooksApi } from './webhooks-api.js';
