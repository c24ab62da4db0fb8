import contentDisposition from 'content-disposition';
import type { UploadRecord } from '../../ports/metadata-store.js';

/** Types a browser renders harmlessly; anything else is served as an attachment. */
const INLINE_SAFE =
  /^(image\/(png|jpeg|gif|webp|avif|bmp)|video\/[\w.+-]+|audio\/[\w.+-]+|text\/plain|text\/csv|application\/json)$/;

/** How a stored file presents itself over HTTP: type, name, validators. */
export interface Representation {
  readonly contentType: string;
  readonly disposition: string;
  readonly etag: string;
  readonly lastModified: Date;
  readonly length: number;
  /** RFC 9530 Repr-Digest value, when the sha256 is known */
  readonly digest?: string;
}

const fileName = (upload: UploadRecord): string => upload.name ?? upload.id;

const declaredType = (upload: UploadRecord): string => upload.type ?? 'application/octet-stream';

/**
 * A user's file must never run on Depot's origin: HTML, SVG, scripts and every type not known to
 * be inert are attachments; the name is encoded per RFC 6266/8187 so quotes, CR/LF or slashes in
 * it can never break the header.
 */
export function representation(upload: UploadRecord): Representation {
  const type = declaredType(upload);
  const inline = INLINE_SAFE.test(type);
  const name = fileName(upload).replace(/[\\/\p{Cc}]/gu, '_');
  const finished = upload.finishedAt ?? upload.updatedAt;
  return {
    contentType: type.startsWith('text/') ? `${type}; charset=utf-8` : type,
    // Header bytes stay ASCII: a non-ASCII name travels in filename* (RFC 8187), with '?' in the
    // plain filename for clients that only read that.
    disposition: contentDisposition(name, {
      type: inline ? 'inline' : 'attachment',
      fallback: name.replace(/[^\x20-\x7e]/g, '?'),
    }),
    etag: upload.sha256 ? `"${upload.sha256}"` : `"${upload.id}-${upload.length ?? 0}-${finished}"`,
    lastModified: new Date(Math.floor(finished / 1000) * 1000),
    length: upload.length ?? 0,
    digest: upload.sha256 ? `sha-256=:${Buffer.from(upload.sha256, 'hex').toString('base64')}:` : undefined,
  };
}
