// What the sync and the target writes need of a bucket, the same for S3 (s3.ts) and GCS
// (gcs.ts): list keys under a prefix a page at a time, read, write and delete one object,
// and a signed URL for one.

export interface Bucket {
  /** s3://bucket/key or gs://bucket/key: how tasks and the seen keys name an object. */
  uri(key: string): string;
  /** Keys under the prefix, in pages (one listing call each). */
  list(prefix: string, signal: AbortSignal): AsyncIterable<string[]>;
  /** An object's bytes; refuses one over maxBytes. */
  read(key: string, maxBytes: number, signal: AbortSignal): Promise<Buffer>;
  write(key: string, body: string, signal: AbortSignal): Promise<void>;
  /** Deleting an object that is not there is not an error. */
  remove(key: string, signal: AbortSignal): Promise<void>;
  /** Fails when the bucket cannot be reached or used (set-up check). */
  check(signal: AbortSignal): Promise<void>;
  /** A URL that downloads the object without credentials, for a while. */
  signedUrl(bucket: string, key: string): Promise<string>;
  close(): void;
}

/**
 * A failure that says something about the request rather than the connection: the storage
 * answered (no such bucket, access denied). Anything else (refused, reset, DNS, timeout)
 * means it could not be reached.
 */
export class StorageAnswered extends Error {
  override name = 'StorageAnswered';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** "s3://bucket/a/b.jpg" → {scheme: "s3", bucket, key}; undefined for anything else. */
export function parseObjectUri(value: string): { scheme: 's3' | 'gs'; bucket: string; key: string } | undefined {
  const m = /^(s3|gs):\/\/([^/]+)\/(.+)$/.exec(value);
  return m ? { scheme: m[1] as 's3' | 'gs', bucket: m[2]!, key: m[3]! } : undefined;
}
