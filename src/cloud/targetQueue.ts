// A cloud target's writes (api.md §6.3): each task whose completions changed has its
// completions file written to <prefix>/<task id> (the JSON of completions/<id>.json), or
// the object deleted when the task has no completions any more. The store stays the truth
// (the local copy is always kept); the bucket is a mirror written after each change.
//
// Queued by task id, so a burst of changes to one task is one write of its newest state,
// read from the store when the write runs. A write that fails is retried with backoff (1 s
// doubling to a minute) for as long as the server runs, counted and shown on the status
// endpoint meanwhile, never dropped. The queue is in memory: a restart loses what was
// still queued, which POST /api/project/storage-sync?target=all writes again.
import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import type { ProjectStore } from '../storage/store.ts';
import { completionFileText } from '../util/json.ts';
import type { Bucket } from './bucket.ts';
import { targetKey, type CloudStorage } from './config.ts';

const IN_FLIGHT = 4;
const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 60_000;

export interface TargetStatus {
  /** Tasks waiting to be written or deleted (retries included). */
  pending: number;
  /** Of those, tasks whose last try failed. */
  failing: number;
  written: number;
  deleted: number;
  /** Failed tries so far (each is retried). */
  failures: number;
  last_write_at: string | null;
  last_error: string | null;
  last_error_at: string | null;
}

interface Entry {
  attempts: number;
  dueAt: number;
}

export class TargetQueue {
  private readonly queued = new Map<number, Entry>();
  private readonly inFlight = new Set<number>();
  /** Changed again while being written: written once more afterwards. */
  private readonly dirtyAgain = new Set<number>();
  private timer?: NodeJS.Timeout;
  private readonly abort = abortController();
  private idle: Promise<void> = Promise.resolve();
  private settleIdle?: () => void;
  readonly counts: Omit<TargetStatus, 'pending' | 'failing'> = { written: 0, deleted: 0, failures: 0, last_write_at: null, last_error: null, last_error_at: null };

  constructor(
    private readonly store: ProjectStore,
    private readonly bucket: Bucket,
    readonly storage: CloudStorage,
    private readonly log: Logger,
  ) {}

  status(): TargetStatus {
    let failing = 0;
    for (const e of this.queued.values()) if (e.attempts > 0) failing++;
    return { pending: this.queued.size, failing, ...this.counts };
  }

  get busy(): boolean {
    return this.queued.size > 0;
  }

  add(ids: Iterable<number>): void {
    if (this.abort.signal.aborted) return;
    for (const id of ids) {
      if (this.inFlight.has(id)) this.dirtyAgain.add(id);
      else if (!this.queued.has(id)) this.queued.set(id, { attempts: 0, dueAt: 0 });
      else this.queued.get(id)!.dueAt = 0;
    }
    this.pump();
  }

  /** Tries every queued write now (after the storage is back). */
  retryNow(): void {
    for (const e of this.queued.values()) e.dueAt = 0;
    this.pump();
  }

  /** Resolves when nothing is queued (tests, and callers that want the bucket written). */
  drained(): Promise<void> {
    return this.queued.size === 0 ? Promise.resolve() : this.idle;
  }

  private pump(): void {
    if (this.abort.signal.aborted) return;
    clearTimeout(this.timer);
    if (this.queued.size && !this.settleIdle) this.idle = new Promise((r) => (this.settleIdle = r));
    const now = Date.now();
    let nextDue = Infinity;
    for (const [id, e] of this.queued) {
      if (this.inFlight.size >= IN_FLIGHT) break;
      if (this.inFlight.has(id)) continue;
      if (e.dueAt > now) {
        nextDue = Math.min(nextDue, e.dueAt);
        continue;
      }
      this.inFlight.add(id);
      void this.writeOne(id, e);
    }
    if (nextDue !== Infinity) {
      this.timer = setTimeout(() => this.pump(), nextDue - now);
      this.timer.unref();
    }
    if (this.queued.size === 0 && this.settleIdle) {
      this.settleIdle();
      this.settleIdle = undefined;
    }
  }

  private async writeOne(id: number, entry: Entry): Promise<void> {
    const key = targetKey(this.storage, id);
    try {
      const stored = await this.store.get(id);
      if (stored?.file) {
        await this.bucket.write(key, completionFileText(stored.file), this.abort.signal);
        this.counts.written++;
      } else {
        await this.bucket.remove(key, this.abort.signal);
        this.counts.deleted++;
      }
      this.counts.last_write_at = new Date().toISOString();
      if (this.dirtyAgain.delete(id)) entry.dueAt = 0;
      else this.queued.delete(id);
    } catch (err) {
      if (this.abort.signal.aborted) return;
      entry.attempts++;
      entry.dueAt = Date.now() + Math.min(FIRST_RETRY_MS * 2 ** (entry.attempts - 1), MAX_RETRY_MS);
      this.dirtyAgain.delete(id);
      this.counts.failures++;
      this.counts.last_error = `${this.bucket.uri(key)}: ${(err as Error).message}`;
      this.counts.last_error_at = new Date().toISOString();
      // Once per task and failure streak at warn; the retries at debug.
      this.log[entry.attempts === 1 ? 'warn' : 'debug'](`cloud target: writing ${this.bucket.uri(key)} failed (${(err as Error).message}); retried in ${entry.dueAt - Date.now()} ms`);
    } finally {
      this.inFlight.delete(id);
      this.pump();
    }
  }

  close(): void {
    this.abort.abort(new Error('the project is closing'));
    clearTimeout(this.timer);
    this.settleIdle?.();
  }
}

/** One signal shared by many concurrent calls (each adds a listener while it runs). */
function abortController(): AbortController {
  const c = new AbortController();
  setMaxListeners(0, c.signal);
  return c;
}
