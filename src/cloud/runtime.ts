// A project's cloud storages at run time: the source's background sync on an interval,
// the target's write queue, signed URLs for s3:// and gs:// task data, and the status of
// each (GET /api/project/storage-status). Like the ML runtime, it lives in the server
// process: the status is this process's; what a sync stored is in the store.
//
// A sync never blocks requests: it runs beside them, one at a time per project, and talks
// to the store through the same async interface (one change per listing page).
import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import type { AllowList } from '../net/addresses.ts';
import type { Settings } from '../settings.ts';
import type { ProjectStore } from '../storage/store.ts';
import { parseObjectUri, type Bucket } from './bucket.ts';
import { cloudReadablePath, cloudStorageOf, connectionKey, type CloudStorage } from './config.ts';
import { GcsBucket } from './gcs.ts';
import { S3Bucket } from './s3.ts';
import { syncSource, type SyncCounts } from './sourceSync.ts';
import { TargetQueue, type TargetStatus } from './targetQueue.ts';

export interface CloudOptions {
  intervalMs: number;
  timeoutMs: number;
  allow: AllowList;
  s3Endpoint: string;
  s3Region: string;
  gcsEndpoint: string;
  /** Largest object a JSON task may be. */
  maxObjectBytes: number;
  maxDataKeys: number;
}

/** The cloud runtime's options, from the settings. */
export function cloudOptions(settings: Settings): CloudOptions {
  return {
    intervalMs: Math.round(settings.CLOUD_SYNC_INTERVAL_SECONDS * 1000),
    timeoutMs: Math.round(settings.CLOUD_TIMEOUT_SECONDS * 1000),
    allow: settings.CLOUD_STORAGE_ALLOW,
    s3Endpoint: settings.S3_ENDPOINT,
    s3Region: settings.S3_REGION,
    gcsEndpoint: settings.GCS_ENDPOINT,
    maxObjectBytes: settings.MAX_BODY_SIZE,
    maxDataKeys: settings.MAX_DATA_KEYS,
  };
}

/** A client for a storage's bucket (also used to check new settings before they are saved). */
export function bucketFor(storage: CloudStorage, options: CloudOptions): Bucket {
  if (storage.kind === 's3') {
    const endpoint = storage.endpoint || options.s3Endpoint || undefined;
    return new S3Bucket({
      bucket: storage.bucket,
      region: storage.region || options.s3Region,
      ...(endpoint && { endpoint }),
      ...(storage.s3Credentials && { credentials: storage.s3Credentials }),
      allow: options.allow,
      timeoutMs: options.timeoutMs,
    });
  }
  const endpoint = storage.endpoint || options.gcsEndpoint || undefined;
  return new GcsBucket({ bucket: storage.bucket, ...(endpoint && { endpoint }), ...(storage.gcsCredentials && { credentials: storage.gcsCredentials }), allow: options.allow, timeoutMs: options.timeoutMs });
}

export interface SourceStatus {
  type: string;
  path: string;
  syncing: boolean;
  last_sync_started_at: string | null;
  last_sync_finished_at: string | null;
  last_sync_ms: number | null;
  /** What the last finished sync did. */
  last_sync: SyncCounts | null;
  /** Since the server started (or the source was set). */
  new_tasks: number;
  refused: number;
  failed_syncs: number;
  last_error: string | null;
  last_error_at: string | null;
}

const NO_SIGNING_RETRY_MS = 60_000;

export class CloudRuntime {
  private source?: { storage: CloudStorage; bucket: Bucket; key: string; status: SourceStatus };
  private target?: { storage: CloudStorage; bucket: Bucket; key: string; queue: TargetQueue };
  private running?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private readonly abort = abortController();
  private closed = false;
  /** Clients for signing URLs of buckets that are neither the source nor the target (environment credentials). */
  private signers = new Map<'s3' | 'gcs', { bucket: Bucket } | { failedAt: number }>();

  constructor(
    private readonly store: ProjectStore,
    private readonly options: CloudOptions,
    private readonly log: Logger,
  ) {}

  /** Reads the settings and syncs at once, then every intervalMs. */
  start(): void {
    const tick = () => {
      void this.syncNow().finally(() => {
        if (this.closed) return;
        this.timer = setTimeout(tick, this.options.intervalMs);
        this.timer.unref();
      });
    };
    this.timer = setTimeout(tick, 0);
    this.timer.unref();
  }

  /** Takes up the project's current storages (after they were changed, or by another server). */
  async refresh(): Promise<void> {
    const { settings } = await this.store.config();
    if (this.closed) return;
    const source = cloudStorageOf(settings, 'source');
    const target = cloudStorageOf(settings, 'target');
    if (connectionKey(source) !== (this.source?.key ?? '') || (source && this.source && cloudReadablePath(source) !== this.source.status.path)) {
      this.source?.bucket.close();
      this.source = source && { storage: source, bucket: bucketFor(source, this.options), key: connectionKey(source), status: freshSourceStatus(source) };
    } else if (source && this.source) {
      this.source.storage = source; // regex, data key, blob URLs: taken up by the next sync
    }
    if (connectionKey(target) !== (this.target?.key ?? '') || (target && this.target && target.prefix !== this.target.storage.prefix)) {
      this.target?.queue.close();
      this.target?.bucket.close();
      if (target) {
        const bucket = bucketFor(target, this.options);
        this.target = { storage: target, bucket, key: connectionKey(target), queue: new TargetQueue(this.store, bucket, target, this.log) };
      } else {
        this.target = undefined;
      }
    }
  }

  /** Syncs the source now (or joins the sync running); failures end up in the status, never here. */
  syncNow(): Promise<void> {
    this.running ??= this.runSync().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async runSync(): Promise<void> {
    try {
      await this.refresh();
    } catch (err) {
      this.log.debug({ err }, 'cloud storages: settings could not be read; tried again at the next sync');
      return;
    }
    const source = this.source;
    if (!source || this.closed) return;
    const s = source.status;
    const started = Date.now();
    s.syncing = true;
    s.last_sync_started_at = new Date(started).toISOString();
    try {
      const counts = await syncSource(this.store, source.bucket, source.storage, {
        maxObjectBytes: this.options.maxObjectBytes,
        maxDataKeys: this.options.maxDataKeys,
        signal: this.abort.signal,
        onRefused: (uri, why) => {
          s.last_error = `${uri} refused: ${why}`;
          s.last_error_at = new Date().toISOString();
        },
      });
      s.last_sync = counts;
      s.new_tasks += counts.new_tasks;
      s.refused += counts.refused;
      if (counts.new_tasks) this.log.info(`cloud source ${s.path}: ${counts.new_tasks} new tasks (${counts.listed} keys listed) in ${Date.now() - started} ms`);
    } catch (err) {
      if (this.closed) return;
      s.failed_syncs++;
      s.last_error = `sync of ${s.path} failed: ${(err as Error).message || (err as Error).name}`;
      s.last_error_at = new Date().toISOString();
      this.log.warn(`cloud source: ${s.last_error}; tried again in ${Math.round(this.options.intervalMs / 1000)} s`);
    } finally {
      s.syncing = false;
      s.last_sync_finished_at = new Date().toISOString();
      s.last_sync_ms = Date.now() - started;
    }
  }

  /** These tasks' completions changed: the target writes them (nothing without a cloud target). */
  targetChanged(ids: Iterable<number>): void {
    this.target?.queue.add(ids);
  }

  /** Retries the target's queued writes now. */
  retryTarget(): void {
    this.target?.queue.retryNow();
  }

  /** Resolves once the target has nothing queued (at once without a cloud target). */
  targetDrained(): Promise<void> {
    return this.target?.queue.drained() ?? Promise.resolve();
  }

  get sourceSyncing(): boolean {
    return this.source?.status.syncing ?? false;
  }

  get targetSyncing(): boolean {
    return this.target?.queue.busy ?? false;
  }

  status(): { source: SourceStatus | null; target: (TargetStatus & { type: string; path: string }) | null } {
    return {
      source: this.source ? { ...this.source.status } : null,
      target: this.target ? { type: this.target.storage.type, path: cloudReadablePath(this.target.storage), ...this.target.queue.status() } : null,
    };
  }

  /**
   * A URL that downloads s3://bucket/key or gs://bucket/key (api.md §6.4): signed with the
   * source's client when it is of that kind (its credentials), else the target's, else one
   * with the environment's credentials. undefined when it cannot be signed: the caller keeps
   * the URI (0.8 did so for S3; for GCS it answered 500).
   */
  async signedUrl(value: string): Promise<string | undefined> {
    const parsed = parseObjectUri(value);
    if (!parsed) return undefined;
    const kind = parsed.scheme === 's3' ? 's3' : 'gcs';
    const bucket = [this.source, this.target].find((x) => x?.storage.kind === kind)?.bucket ?? this.signer(kind);
    if (!bucket) return undefined;
    try {
      return await bucket.signedUrl(parsed.bucket, parsed.key);
    } catch (err) {
      this.log.debug({ err }, `cannot sign ${value}`);
      if (!this.source && !this.target) this.signers.set(kind, { failedAt: Date.now() });
      return undefined;
    }
  }

  /** Without credentials every signing fails: after one failure, not tried again for a minute. */
  private signer(kind: 's3' | 'gcs'): Bucket | undefined {
    const known = this.signers.get(kind);
    if (known && 'bucket' in known) return known.bucket;
    if (known && Date.now() - known.failedAt < NO_SIGNING_RETRY_MS) return undefined;
    const storage: CloudStorage = { role: 'source', kind, type: kind, bucket: 'signing', prefix: '', regex: '', dataKey: '', useBlobUrls: true };
    const bucket = bucketFor(storage, this.options);
    this.signers.set(kind, { bucket });
    return bucket;
  }

  /** Stops the timer, cancels a running sync and the target's retries. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.abort.abort(new Error('the project is closing'));
    await this.running?.catch(() => {});
    this.source?.bucket.close();
    this.target?.queue.close();
    this.target?.bucket.close();
    for (const s of this.signers.values()) if ('bucket' in s) s.bucket.close();
  }
}

function freshSourceStatus(storage: CloudStorage): SourceStatus {
  return {
    type: storage.type,
    path: cloudReadablePath(storage),
    syncing: false,
    last_sync_started_at: null,
    last_sync_finished_at: null,
    last_sync_ms: null,
    last_sync: null,
    new_tasks: 0,
    refused: 0,
    failed_syncs: 0,
    last_error: null,
    last_error_at: null,
  };
}

/** One signal shared by many concurrent calls (each adds a listener while it runs). */
function abortController(): AbortController {
  const c = new AbortController();
  setMaxListeners(0, c.signal);
  return c;
}
