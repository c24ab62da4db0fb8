import { randomBytes } from 'node:crypto';

/** 128 random bits as 32 lower-case hex characters: unguessable, and safe as a file name anywhere. */
export const newUploadId = (): string => randomBytes(16).toString('hex');

const UPLOAD_ID = /^[0-9a-f]{32}$/;

/** Anything else (`../x`, NUL, slashes, wrong length) is simply not an upload. */
export const isUploadId = (id: string): boolean => UPLOAD_ID.test(id);
