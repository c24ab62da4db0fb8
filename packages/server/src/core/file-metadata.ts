/**
 * The file name and media type an upload declares in its metadata. tus clients differ in the keys
 * they use (Uppy: name/type, tus-js-client examples: filename/filetype), so each has fallbacks.
 */
export function nameOf(metadata: Readonly<Record<string, string | null>>): string | null {
  return metadata.filename ?? metadata.name ?? null;
}

const MIME = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$/;

/** The declared type, lower-cased, when it is a well-formed `type/subtype`; else null. */
export function typeOf(metadata: Readonly<Record<string, string | null>>): string | null {
  const raw = (metadata.filetype ?? metadata.type ?? metadata.contentType ?? '').trim().toLowerCase();
  return MIME.test(raw) ? raw : null;
}
