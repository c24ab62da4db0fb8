import * as tus from 'tus-js-client';
import type { TestDepot } from './depot.js';

/** Uploads `data` with tus-js-client (tus 1.0 unless `options.protocol` says a draft). */
export function clientUpload(
  depot: TestDepot,
  data: Buffer,
  options: Partial<tus.UploadOptions> = {},
): Promise<tus.Upload> {
  return new Promise((resolve, reject) => {
    const u: tus.Upload = new tus.Upload(data, {
      endpoint: depot.files,
      headers: { Authorization: `Bearer ${depot.token}` },
      metadata: { filename: 'data.bin', filetype: 'application/octet-stream' },
      chunkSize: 1024 * 1024,
      retryDelays: [0, 200, 500],
      onSuccess: () => resolve(u),
      onError: reject,
      ...options,
    });
    u.start();
  });
}

/** Starts an upload in 512 KiB chunks and aborts it once about half is sent; resolves with its URL. */
export function clientUploadHalf(
  depot: TestDepot,
  data: Buffer,
  options: Partial<tus.UploadOptions> = {},
): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const u: tus.Upload = new tus.Upload(data, {
      endpoint: depot.files,
      headers: { Authorization: `Bearer ${depot.token}` },
      chunkSize: 512 * 1024,
      onProgress: (sent) => {
        if (sent >= data.length / 2) void u.abort().then(() => resolve(u.url as string));
      },
      onSuccess: () => reject(new Error('should have been aborted')),
      onError: reject,
      ...options,
    });
    u.start();
  });
}
