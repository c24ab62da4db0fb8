import { errors } from '../../core/errors.js';
import { isUploadId } from '../../core/ids.js';

export type ConcatHeader = { kind: 'partial' } | { kind: 'final'; parts: string[] };

/**
 * `Upload-Concat: partial` or `final;URL URL…`. Each URL may be absolute or a path; its last
 * segment must be an upload id.
 */
export function parseUploadConcat(header: string | undefined): ConcatHeader | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (value === 'partial') return { kind: 'partial' };
  if (!value.startsWith('final;'))
    throw errors.invalidHeader('Upload-Concat must be "partial" or "final;URLs"');
  const urls = value.slice('final;'.length).trim().split(/\s+/).filter(Boolean);
  if (urls.length === 0) throw errors.invalidHeader('Upload-Concat: final lists no uploads');
  const parts = urls.map((url) => {
    let path = url;
    try {
      path = new URL(url, 'http://x').pathname;
    } catch {
      // not a URL: handled as a bad id below
    }
    const id = path.replace(/\/+$/, '').split('/').pop() ?? '';
    if (!isUploadId(id))
      throw errors.invalidHeader(`Upload-Concat: ${url.slice(0, 80)} is not an upload URL`);
    return id;
  });
  return { kind: 'final', parts };
}
