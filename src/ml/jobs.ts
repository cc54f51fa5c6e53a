// Background jobs of one project: prediction runs and trainings, so that no request waits
// for 100,000 tasks to be predicted or for a model to train. Jobs run in lanes, one at a
// time per lane ("predict", "train"): two prediction runs would only race to write the
// same tasks. A job's state is in memory: it is reported by GET /api/models/jobs/<id>
// while this process runs, and a restart forgets it (what a prediction job already
// stored stays stored; the job does not resume).
import { randomUUID } from 'node:crypto';

export type JobType = 'predict' | 'train';
export type JobStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

/** Finished jobs kept for their status reports. */
const KEEP_FINISHED = 50;

export class Job {
  readonly id = randomUUID();
  status: JobStatus = 'queued';
  readonly createdAt = new Date();
  startedAt?: Date;
  finishedAt?: Date;
  /** Why the job failed, when it did. */
  error?: string;
  /** What the job reports of its progress and outcome (counts, per-backend results). */
  readonly report: Record<string, unknown> = {};
  readonly controller = new AbortController();
  /** Settles when the job has finished, whatever its outcome. */
  readonly finished: Promise<void>;
  private settle!: () => void;

  constructor(
    readonly type: JobType,
    /** What started it: "api", "auto-train", "after-training". */
    readonly trigger: string,
    readonly run: (job: Job) => Promise<void>,
    readonly params: Record<string, unknown> = {},
  ) {
    this.finished = new Promise((resolve) => (this.settle = resolve));
  }

  get active(): boolean {
    return this.status === 'queued' || this.status === 'running';
  }

  /** @internal the runner's */
  end(status: JobStatus, error?: string): void {
    this.status = status;
    if (error !== undefined) this.error = error;
    this.finishedAt = new Date();
    this.settle();
  }

  toJSON(): Record<string, unknown> {
    return {
      id: this.id,
      type: this.type,
      status: this.status,
      trigger: this.trigger,
      ...this.params,
      ...this.report,
      error: this.error ?? null,
      created_at: this.createdAt.toISOString(),
      started_at: this.startedAt?.toISOString() ?? null,
      finished_at: this.finishedAt?.toISOString() ?? null,
    };
  }
}

export class JobRunner {
  private readonly jobs = new Map<string, Job>();
  private readonly lanes = new Map<JobType, Job[]>();
  private closed = false;

  constructor(private readonly onError: (job: Job, err: unknown) => void = () => {}) {}

  /** The lane's running or queued jobs, running first. */
  active(type: JobType): Job[] {
    return this.lanes.get(type) ?? [];
  }

  /** Queues a job in its lane; it starts once the jobs before it have finished. */
  submit(job: Job): Job {
    if (this.closed) {
      job.end('cancelled', 'the server is shutting down');
      return job;
    }
    this.jobs.set(job.id, job);
    const lane = this.lanes.get(job.type) ?? [];
    this.lanes.set(job.type, lane);
    lane.push(job);
    if (lane.length === 1) void this.runLane(job.type);
    this.forgetOld();
    return job;
  }

  get(id: string): Job | undefined {
    return this.jobs.get(id);
  }

  /** Newest first. */
  list(): Job[] {
    return [...this.jobs.values()].reverse();
  }

  /** Asks a job to stop; a queued one never starts. */
  cancel(job: Job): void {
    if (!job.active) return;
    job.controller.abort(new Error('cancelled'));
    if (job.status === 'queued') {
      const lane = this.lanes.get(job.type) ?? [];
      const at = lane.indexOf(job);
      // The lane's head is about to start or running: it ends through runLane.
      if (at > 0) {
        lane.splice(at, 1);
        job.end('cancelled');
      }
    }
  }

  /** Cancels everything and waits for the running jobs to stop (before the store closes). */
  async close(): Promise<void> {
    this.closed = true;
    const running = [...this.lanes.values()].flat();
    for (const job of running) this.cancel(job);
    await Promise.all(running.map((j) => j.finished));
  }

  private async runLane(type: JobType): Promise<void> {
    const lane = this.lanes.get(type)!;
    while (lane.length > 0) {
      const job = lane[0]!;
      if (job.controller.signal.aborted) {
        job.end('cancelled');
      } else {
        job.status = 'running';
        job.startedAt = new Date();
        try {
          await job.run(job);
          if (job.controller.signal.aborted) job.end('cancelled');
          else job.end(job.error === undefined ? 'done' : 'failed');
        } catch (err) {
          if (job.controller.signal.aborted) job.end('cancelled');
          else {
            this.onError(job, err);
            job.end('failed', (err as Error)?.message ?? String(err));
          }
        }
      }
      lane.shift();
    }
  }

  private forgetOld(): void {
    const finished = [...this.jobs.values()].filter((j) => !j.active);
    for (const j of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.jobs.delete(j.id);
  }
}
