// What the server knows of a project's ML backends while it runs (spec §1.4): each
// backend's last model version, its protocol as /health showed it, the rq job of its last
// training, a short cache of /health; plus the client and the project's job runner. None
// of it is persisted: versions and protocols are learnt again from the next calls.
import type { Logger } from 'pino';
import type { MlBackendEntry } from '../domain/types.ts';
import type { AllowList } from '../net/addresses.ts';
import { MlClient, type MlTimeouts } from './client.ts';
import { health, type Health } from './protocol.ts';
import { JobRunner } from './jobs.ts';
import type { Protocol } from './backends.ts';

/** How long a /health answer is reused (§2.4 allows a short cache). */
const HEALTH_CACHE_MS = 1000;

/**
 * After a live prediction timed out, /api/project/next and GET /api/tasks/<id> leave that
 * backend alone this long: a stream of annotators would otherwise each pay the whole
 * ML_TIMEOUT_LIVE_PREDICT on every task while it is stuck. Jobs still ask it.
 */
export const LIVE_BACKOFF_MS = 10_000;

export interface BackendState {
  modelVersion: string | null;
  protocol?: Protocol;
  /** The legacy rq job of the last /train, checked before the next training. */
  trainJob?: string;
  lastHealth?: { at: number; health: Health };
  liveBackoffUntil: number;
}

export interface MlOptions {
  timeouts: MlTimeouts;
  allow: AllowList;
  maxBodyBytes: number;
  /** Tasks per /predict call of a job. */
  batchSize: number;
  /** The whole time a live prediction may take. */
  liveTimeoutMs: number;
}

export class MlRuntime {
  readonly client: MlClient;
  readonly jobs: JobRunner;
  private readonly states = new Map<string, BackendState>();
  /** New completions since the last training started (auto-training counts them). */
  completionsSinceTraining = 0;

  constructor(
    readonly options: MlOptions,
    readonly log: Logger,
  ) {
    this.client = new MlClient({ timeouts: options.timeouts, allow: options.allow, maxBodyBytes: options.maxBodyBytes });
    this.jobs = new JobRunner((job, err) => log.error({ err }, `ML ${job.type} job ${job.id} failed`));
  }

  /** A backend's state; a new URL under an old name starts afresh. */
  state(backend: MlBackendEntry): BackendState {
    const key = `${backend.name}\n${backend.url}`;
    let s = this.states.get(key);
    if (!s) {
      s = { modelVersion: null, liveBackoffUntil: 0 };
      this.states.set(key, s);
    }
    return s;
  }

  forget(backend: MlBackendEntry): void {
    this.states.delete(`${backend.name}\n${backend.url}`);
  }

  /** GET /health, or its answer of the last second; `fresh` always asks. */
  async health(backend: MlBackendEntry, options: { fresh?: boolean; signal?: AbortSignal } = {}): Promise<Health> {
    const s = this.state(backend);
    if (!options.fresh && s.lastHealth && Date.now() - s.lastHealth.at < HEALTH_CACHE_MS) return s.lastHealth.health;
    const h = await health(this.client, backend, options.signal);
    // A check cut short by the caller says nothing about the backend.
    if (h.result.failure !== 'cancelled') {
      s.lastHealth = { at: Date.now(), health: h };
      if (h.connected) s.protocol = h.protocol;
    }
    return h;
  }

  /** Stops the jobs (a running one is cancelled) before the store closes. */
  close(): Promise<void> {
    return this.jobs.close();
  }
}
