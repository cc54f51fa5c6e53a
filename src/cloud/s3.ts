// An S3 bucket (AWS, or any S3-compatible server: MinIO, s3rver) through @aws-sdk/client-s3.
// A custom endpoint is addressed path-style (http://host:port/bucket/key), which every
// S3-compatible server understands; AWS itself gets virtual-hosted names. Connections go
// through guard.ts (CLOUD_STORAGE_ALLOW). Credentials: the storage's own keys when it has
// them (config.json params, never shown), else the SDK's default chain (environment,
// profile, instance role).
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { AllowList } from '../net/addresses.ts';
import { StorageAnswered, type Bucket } from './bucket.ts';
import { checkEndpointLiteral, guardedAgents } from './guard.ts';

export interface S3Options {
  bucket: string;
  region: string;
  /** An S3-compatible server's URL; undefined: AWS. */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  allow: AllowList;
  timeoutMs: number;
  /** How long a signed URL works (0.8: an hour). */
  signedUrlSeconds?: number;
}

/** S3's own errors as StorageAnswered (it answered); connection errors are left as they are. */
function answered(err: unknown): unknown {
  if (err instanceof S3ServiceException && err.$metadata.httpStatusCode) {
    const status = err.$metadata.httpStatusCode;
    const what = err.name && err.name !== 'Unknown' && err.name !== 'UnknownError' ? err.name : `HTTP ${status}`;
    return new StorageAnswered(`${what}${err.message && err.message !== err.name && err.message !== 'UnknownError' ? `: ${err.message}` : ''}`, status);
  }
  return err;
}

async function call<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw answered(err);
  }
}

export class S3Bucket implements Bucket {
  readonly client: S3Client;

  constructor(private readonly options: S3Options) {
    if (options.endpoint) checkEndpointLiteral(options.endpoint, options.allow);
    const agents = guardedAgents(options.allow);
    this.client = new S3Client({
      region: options.region,
      ...(options.endpoint && { endpoint: options.endpoint, forcePathStyle: true }),
      ...(options.credentials && { credentials: options.credentials }),
      // Three tries with the SDK's backoff; what still fails is the sync's or the target
      // queue's to report and retry later.
      maxAttempts: 3,
      requestHandler: { ...agents, connectionTimeout: Math.min(options.timeoutMs, 5000), requestTimeout: options.timeoutMs },
    });
  }

  uri(key: string): string {
    return `s3://${this.options.bucket}/${key}`;
  }

  /**
   * ListObjects (version 1) paged by Marker = the last key of the previous page: every
   * S3-compatible server has it, and s3rver's version 2 answers a truncated listing with an
   * error under OpenSSL 3 (its continuation tokens are DES-encrypted).
   */
  async *list(prefix: string, signal: AbortSignal): AsyncIterable<string[]> {
    let marker: string | undefined;
    for (;;) {
      const page = await call(() => this.client.send(new ListObjectsCommand({ Bucket: this.options.bucket, Prefix: prefix || undefined, Marker: marker }), { abortSignal: signal }));
      const keys = (page.Contents ?? []).map((o) => o.Key).filter((k): k is string => k !== undefined);
      yield keys.filter((k) => !k.endsWith('/'));
      if (!page.IsTruncated || keys.length === 0) return;
      marker = page.NextMarker ?? keys[keys.length - 1];
    }
  }

  async read(key: string, maxBytes: number, signal: AbortSignal): Promise<Buffer> {
    return call(async () => {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: key }), { abortSignal: signal });
      if ((res.ContentLength ?? 0) > maxBytes) throw new StorageAnswered(`${this.uri(key)} is ${res.ContentLength} bytes, over the ${maxBytes} a task object may have`, 413);
      return Buffer.from(await res.Body!.transformToByteArray());
    });
  }

  async write(key: string, body: string, signal: AbortSignal): Promise<void> {
    await call(() => this.client.send(new PutObjectCommand({ Bucket: this.options.bucket, Key: key, Body: body, ContentType: 'application/json' }), { abortSignal: signal }));
  }

  async remove(key: string, signal: AbortSignal): Promise<void> {
    await call(() => this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: key }), { abortSignal: signal }));
  }

  async check(signal: AbortSignal): Promise<void> {
    await call(() => this.client.send(new HeadBucketCommand({ Bucket: this.options.bucket }), { abortSignal: signal }));
  }

  /** Signed locally (S3 v4 signature): no request is made. */
  signedUrl(bucket: string, key: string): Promise<string> {
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: this.options.signedUrlSeconds ?? 3600 });
  }

  close(): void {
    this.client.destroy();
  }
}
