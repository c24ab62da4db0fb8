import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';

/** How to reach the object store. Unset fields fall back to the AWS SDK's own defaults (AWS_* env, profiles). */
export interface S3Settings {
  readonly bucket: string;
  /** key prefix, without a trailing slash ('' for the bucket's root) */
  readonly prefix: string;
  readonly endpoint?: string;
  readonly region?: string;
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
}

export interface UploadedPart {
  readonly number: number;
  readonly etag: string;
  readonly size: number;
}

/**
 * The slice of S3 the blob store calls, on one bucket: every request Depot makes is here, so an
 * S3-compatible server needs exactly these (all of which MinIO, Ceph and Swift's s3api offer).
 * Missing objects answer `undefined`, never an error.
 */
export class S3Objects {
  readonly #s3: S3Client;
  readonly #bucket: string;

  constructor(settings: S3Settings) {
    const { endpoint, region, accessKeyId, secretAccessKey } = settings;
    this.#bucket = settings.bucket;
    this.#s3 = new S3Client({
      endpoint,
      region: region ?? 'us-east-1',
      // A custom endpoint (MinIO, Ceph, Swift) is addressed by path, not by bucket subdomain.
      forcePathStyle: endpoint !== undefined,
      credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
      // Checksums only where S3 requires them: the SDK's default streams bodies as aws-chunked,
      // which several S3-compatible servers refuse; the payload is signed either way.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  async get(key: string, range?: { start: number; end: number }): Promise<Readable | undefined> {
    try {
      const out = await this.#s3.send(
        new GetObjectCommand({
          Bucket: this.#bucket,
          Key: key,
          Range: range ? `bytes=${range.start}-${range.end}` : undefined,
        }),
      );
      return out.Body as Readable;
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async getText(key: string): Promise<string | undefined> {
    const body = await this.get(key);
    if (!body) return undefined;
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  async size(key: string): Promise<number | undefined> {
    try {
      const out = await this.#s3.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: key }));
      return out.ContentLength ?? 0;
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async put(key: string, body: Readable | Buffer | string, length: number): Promise<void> {
    await this.#s3.send(
      new PutObjectCommand({ Bucket: this.#bucket, Key: key, Body: body, ContentLength: length }),
    );
  }

  async copy(from: string, to: string): Promise<void> {
    await this.#s3.send(
      new CopyObjectCommand({ Bucket: this.#bucket, Key: to, CopySource: this.#source(from) }),
    );
  }

  async delete(key: string): Promise<void> {
    await this.#s3.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: key }));
  }

  async startMultipart(key: string): Promise<string> {
    const out = await this.#s3.send(new CreateMultipartUploadCommand({ Bucket: this.#bucket, Key: key }));
    if (!out.UploadId) throw new Error('CreateMultipartUpload answered without an UploadId');
    return out.UploadId;
  }

  async uploadPart(
    key: string,
    uploadId: string,
    number: number,
    body: Readable,
    size: number,
  ): Promise<UploadedPart> {
    const out = await this.#s3.send(
      new UploadPartCommand({
        Bucket: this.#bucket,
        Key: key,
        UploadId: uploadId,
        PartNumber: number,
        Body: body,
        ContentLength: size,
      }),
    );
    return { number, etag: out.ETag ?? '', size };
  }

  /** A part copied inside the store from bytes `start`..`end` (inclusive) of another object. */
  async copyPart(
    key: string,
    uploadId: string,
    number: number,
    from: string,
    start: number,
    end: number,
  ): Promise<UploadedPart> {
    const out = await this.#s3.send(
      new UploadPartCopyCommand({
        Bucket: this.#bucket,
        Key: key,
        UploadId: uploadId,
        PartNumber: number,
        CopySource: this.#source(from),
        CopySourceRange: `bytes=${start}-${end}`,
      }),
    );
    return { number, etag: out.CopyPartResult?.ETag ?? '', size: end - start + 1 };
  }

  async completeMultipart(key: string, uploadId: string, parts: readonly UploadedPart[]): Promise<void> {
    await this.#s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: this.#bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.number, ETag: p.etag })) },
      }),
    );
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    try {
      await this.#s3.send(
        new AbortMultipartUploadCommand({ Bucket: this.#bucket, Key: key, UploadId: uploadId }),
      );
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
  }

  async ping(): Promise<void> {
    try {
      await this.#s3.send(new HeadBucketCommand({ Bucket: this.#bucket }));
    } catch (err) {
      // HEAD has no body, so the SDK can only say "UnknownError" (or "NotFound"): say it from the status
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      const why =
        status === 404
          ? `the bucket ${this.#bucket} does not exist`
          : status === 403
            ? `access to the bucket ${this.#bucket} is denied (check the keys)`
            : status === 301 || status === 400
              ? `the bucket ${this.#bucket} is in another region, or its name is not valid`
              : undefined;
      if (why === undefined) throw err;
      throw new Error(`S3: ${why} (HTTP ${status})`, { cause: err });
    }
  }

  close(): void {
    this.#s3.destroy();
  }

  #source(key: string): string {
    return `${this.#bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
  }
}

function isMissing(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return (
    e?.name === 'NoSuchKey' ||
    e?.name === 'NotFound' ||
    e?.name === 'NoSuchUpload' ||
    e?.$metadata?.httpStatusCode === 404
  );
}
