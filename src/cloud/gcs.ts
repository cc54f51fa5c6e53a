// A Google Cloud Storage bucket through @google-cloud/storage (its JSON API). A custom
// endpoint (an emulator, GCS_ENDPOINT or the storage's endpoint_url) is used without
// authentication, as the client does by default. Credentials: the storage's service
// account JSON when it has one (config.json params, never shown), else Google's
// application default credentials. The client has no per-connection address hook, so the
// endpoint is checked when the storage is set up and before each sync (guard.ts).
import { Storage, type StorageOptions } from '@google-cloud/storage';
import type { AllowList } from '../net/addresses.ts';
import { StorageAnswered, type Bucket } from './bucket.ts';
import { checkEndpointResolved } from './guard.ts';

export interface GcsOptions {
  bucket: string;
  endpoint?: string;
  /** A service account key ({client_email, private_key, ...}). */
  credentials?: Record<string, unknown>;
  allow: AllowList;
  timeoutMs: number;
  /** How long a signed URL works (0.8: a minute). */
  signedUrlSeconds?: number;
}

function answered(err: unknown): unknown {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'number' && code >= 400) return new StorageAnswered(`HTTP ${code}: ${(err as Error).message}`, code);
  return err;
}

async function call<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw answered(err);
  }
}

/** Rejects with the signal's reason once it fires (the client takes no signal). */
function abortable<T>(signal: AbortSignal, run: () => Promise<T>): Promise<T> {
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    run().then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export class GcsBucket implements Bucket {
  private readonly storage: Storage;

  constructor(private readonly options: GcsOptions) {
    const opts: StorageOptions = {
      retryOptions: { autoRetry: true, maxRetries: 2, totalTimeout: Math.ceil(options.timeoutMs / 1000) },
      ...(options.endpoint && { apiEndpoint: options.endpoint.replace(/\/$/, '') }),
      ...(options.credentials && { credentials: options.credentials as StorageOptions['credentials'], projectId: String(options.credentials.project_id ?? '') || undefined }),
    };
    this.storage = new Storage(opts);
  }

  uri(key: string): string {
    return `gs://${this.options.bucket}/${key}`;
  }

  private async checkEndpoint(): Promise<void> {
    if (this.options.endpoint) await checkEndpointResolved(this.options.endpoint, this.options.allow);
  }

  async *list(prefix: string, signal: AbortSignal): AsyncIterable<string[]> {
    await this.checkEndpoint();
    let pageToken: string | undefined;
    do {
      const [files, next] = await abortable(signal, () =>
        call(() => this.storage.bucket(this.options.bucket).getFiles({ prefix: prefix || undefined, pageToken, maxResults: 1000, autoPaginate: false })),
      );
      yield files.map((f) => f.name).filter((k) => !k.endsWith('/'));
      pageToken = (next as { pageToken?: string } | null)?.pageToken;
    } while (pageToken);
  }

  async read(key: string, maxBytes: number, signal: AbortSignal): Promise<Buffer> {
    const file = this.storage.bucket(this.options.bucket).file(key);
    return abortable(signal, () =>
      call(async () => {
        const [meta] = await file.getMetadata({ timeout: this.options.timeoutMs });
        if (Number(meta.size ?? 0) > maxBytes) throw new StorageAnswered(`${this.uri(key)} is ${meta.size} bytes, over the ${maxBytes} a task object may have`, 413);
        const [bytes] = await file.download({ validation: false });
        return bytes;
      }),
    );
  }

  async write(key: string, body: string, signal: AbortSignal): Promise<void> {
    await this.checkEndpoint();
    const file = this.storage.bucket(this.options.bucket).file(key);
    await abortable(signal, () => call(() => file.save(body, { resumable: false, validation: false, contentType: 'application/json', timeout: this.options.timeoutMs })));
  }

  async remove(key: string, signal: AbortSignal): Promise<void> {
    await this.checkEndpoint();
    const file = this.storage.bucket(this.options.bucket).file(key);
    await abortable(signal, () => call(() => file.delete({ ignoreNotFound: true })));
  }

  async check(signal: AbortSignal): Promise<void> {
    await this.checkEndpoint();
    await abortable(signal, () => call(() => this.storage.bucket(this.options.bucket).getMetadata({ timeout: this.options.timeoutMs })));
  }

  /** A V4 signed URL, signed locally with the service account's key. */
  async signedUrl(bucket: string, key: string): Promise<string> {
    const [url] = await this.storage
      .bucket(bucket)
      .file(key)
      .getSignedUrl({ version: 'v4', action: 'read', expires: Date.now() + (this.options.signedUrlSeconds ?? 60) * 1000 });
    return url;
  }

  close(): void {}
}
