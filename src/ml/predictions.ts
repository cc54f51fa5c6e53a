// Predictions (spec ml-backend.md §4, §5): asking backends for a batch of tasks, merging
// what they answer into a task's stored predictions, the live ask of next / GET task,
// and the background job that predicts many tasks and stores the results.
import type { JsonObject, MlBackendEntry, Task } from '../domain/types.ts';
import type { ProjectStore } from '../storage/store.ts';
import type { CallResult } from './client.ts';
import type { Job } from './jobs.ts';
import { predict, setup, type ProjectInfo } from './protocol.ts';
import { LIVE_BACKOFF_MS, type MlRuntime } from './runtime.ts';

export interface BatchOutcome {
  /** Each task's predictions, in the order sent; undefined when the backend failed. */
  perTask?: JsonObject[][];
  /** The failed call (setup or predict). */
  failure?: CallResult;
  /** Calls made to /predict. */
  predictCalls: number;
}

/**
 * /setup, then /predict for the tasks in one call (spec §4: setup before every prediction;
 * it loads the model and gives its version). A backend that answers a batch with another
 * number of results than tasks is asked again one task a call, as Label Studio 1.x does.
 * A 404 from /predict is a model not trained yet: no predictions, and no failure.
 */
export async function predictBatch(rt: MlRuntime, backend: MlBackendEntry, tasks: JsonObject[], info: ProjectInfo, signal?: AbortSignal): Promise<BatchOutcome> {
  const state = rt.state(backend);
  const s = await setup(rt.client, backend, info, signal);
  if (!s.result.ok) return { failure: s.result, predictCalls: 0 };
  if (s.modelVersion !== undefined) state.modelVersion = s.modelVersion;
  const p = await predict(rt.client, backend, tasks, state.modelVersion, info, signal);
  if (p.skipped) rt.log.warn(`ML backend "${backend.name}": ${p.skipped} prediction(s) without a "result" list left out`);
  if (p.perTask) return { perTask: p.perTask, predictCalls: 1 };
  if (p.result.failure === 'status' && p.result.status === 404) {
    rt.log.info(`ML backend "${backend.name}" has no model yet (404 from /predict)`);
    return { perTask: tasks.map(() => []), predictCalls: 1 };
  }
  if (tasks.length > 1 && p.result.failure === 'garbage' && /results for \d+ tasks/.test(p.result.error ?? '')) {
    rt.log.info(`ML backend "${backend.name}" ${p.result.error}; asking one task at a time`);
    const perTask: JsonObject[][] = [];
    let calls = 1;
    for (const task of tasks) {
      const one = await predict(rt.client, backend, [task], state.modelVersion, info, signal);
      calls++;
      if (!one.perTask) return { failure: one.result, predictCalls: calls };
      perTask.push(one.perTask[0] ?? []);
    }
    return { perTask, predictCalls: calls };
  }
  return { failure: p.result, predictCalls: 1 };
}

/**
 * A task's stored predictions with fresh ones: each backend that answered replaces the
 * predictions it made before (created_by is its name); predictions of other backends and
 * imported ones stay. (0.8 replaced the whole list, losing imported predictions.)
 */
export function mergePredictions(stored: readonly JsonObject[] | undefined, fresh: ReadonlyMap<string, JsonObject[]>): JsonObject[] {
  const kept = (stored ?? []).filter((p) => !(typeof p.created_by === 'string' && fresh.has(p.created_by)));
  return [...kept, ...[...fresh.values()].flat()];
}

export interface BackendFailure {
  backend: string;
  failure: CallResult;
}

/**
 * The live ask of /api/project/next and GET /api/tasks/<id> for a task without stored
 * predictions: every backend at once, within one deadline (ML_TIMEOUT_LIVE_PREDICT) for
 * health, setup and predict together, so a slow or dead backend costs at most that. The
 * predictions are in config order and are not stored (0.8 did not store them either).
 */
export async function livePredictions(rt: MlRuntime, backends: readonly MlBackendEntry[], task: JsonObject, info: ProjectInfo): Promise<{ predictions: JsonObject[]; failures: BackendFailure[] }> {
  const deadline = AbortSignal.timeout(rt.options.liveTimeoutMs);
  const failures: BackendFailure[] = [];
  const lists = await Promise.all(
    backends.map(async (backend): Promise<JsonObject[]> => {
      const state = rt.state(backend);
      if (Date.now() < state.liveBackoffUntil) return [];
      const h = await rt.health(backend, { signal: deadline });
      if (!h.connected) {
        if (h.result.failure === 'timeout') state.liveBackoffUntil = Date.now() + LIVE_BACKOFF_MS;
        return [];
      }
      const out = await predictBatch(rt, backend, [task], info, deadline);
      if (out.failure) {
        failures.push({ backend: backend.name, failure: out.failure });
        if (out.failure.failure === 'timeout') {
          state.liveBackoffUntil = Date.now() + LIVE_BACKOFF_MS;
          rt.log.warn(`ML backend "${backend.name}" gave no prediction for task ${String(task.id)} in time; live predictions skip it for ${LIVE_BACKOFF_MS / 1000} s`);
        } else {
          rt.log.warn(`ML backend "${backend.name}" failed to predict task ${String(task.id)}: ${out.failure.error}`);
        }
        return [];
      }
      return out.perTask?.[0] ?? [];
    }),
  );
  return { predictions: lists.flat(), failures };
}

/** A stored task as sent to /predict by a job: id, data and meta (0.8 sent its source-storage entry). */
export function jobTask(task: Task): JsonObject {
  return { id: task.id, data: task.data, ...(task.meta !== undefined && { meta: task.meta as JsonObject }) };
}

/** Batches of a job's in flight at once: a backend is not flooded, a long job still moves. */
const BATCHES_IN_FLIGHT = 2;

interface BackendReport {
  connected: boolean;
  calls: number;
  predictions: number;
  errors: number;
  model_version: string | null;
  error: string | null;
}

/** What a prediction job works on, read when it starts (not when it was queued). */
export interface PredictionSource {
  backends(): Promise<MlBackendEntry[]>;
  info(): Promise<ProjectInfo>;
  taskIds(): Promise<number[]>;
}

/**
 * The prediction job: every task of `source.taskIds()`, in batches of
 * ML_PREDICT_BATCH_SIZE, sent to every connected backend; each batch's predictions are
 * stored (merged, see mergePredictions) as soon as it is answered, so a job cut short
 * keeps what it did. A backend that stops answering is checked with /health and, if
 * down, dropped from the rest of the job. Progress is in job.report.
 */
export async function runPredictionJob(rt: MlRuntime, store: ProjectStore, source: PredictionSource, job: Job): Promise<void> {
  const signal = job.controller.signal;
  const [backends, info, ids] = await Promise.all([source.backends(), source.info(), source.taskIds()]);
  const reports: Record<string, BackendReport> = {};
  const report = job.report as { total: number; processed: number; predicted: number; backends: Record<string, BackendReport> };
  Object.assign(report, { total: ids.length, processed: 0, predicted: 0, backends: reports });

  const healths = await Promise.all(backends.map((b) => rt.health(b, { fresh: true, signal })));
  const live: MlBackendEntry[] = [];
  backends.forEach((b, i) => {
    const h = healths[i]!;
    reports[b.name] = { connected: h.connected, calls: 0, predictions: 0, errors: 0, model_version: rt.state(b).modelVersion, error: h.connected ? null : `not connected: ${h.result.error}` };
    if (h.connected) live.push(b);
  });
  if (live.length === 0) {
    job.error = backends.length === 0 ? 'No ML backend' : `No ML backend is connected: ${backends.map((b) => `"${b.name}" ${reports[b.name]!.error}`).join('; ')}`;
    return;
  }

  const batchSize = rt.options.batchSize;
  const batches: number[][] = [];
  for (let i = 0; i < ids.length; i += batchSize) batches.push(ids.slice(i, i + batchSize));
  const dropped = new Set<string>();

  const runBatch = async (batchIds: number[]) => {
    const stored = (await Promise.all(batchIds.map((id) => store.get(id)))).filter((s) => s !== undefined);
    const tasks = stored.map((s) => jobTask(s.task));
    const fresh = new Map<number, Map<string, JsonObject[]>>();
    await Promise.all(
      live.map(async (backend) => {
        if (dropped.has(backend.name) || tasks.length === 0) return;
        const r = reports[backend.name]!;
        const out = await predictBatch(rt, backend, tasks, info, signal);
        r.calls += out.predictCalls;
        r.model_version = rt.state(backend).modelVersion;
        if (out.failure) {
          if (out.failure.failure === 'cancelled') return;
          r.errors++;
          r.error = out.failure.error ?? 'failed';
          rt.log.warn(`ML backend "${backend.name}" failed a prediction batch of ${tasks.length} tasks: ${r.error}`);
          // Timeouts and lost connections: is it still there? If not, the rest of the
          // job would only wait for it batch after batch.
          if (out.failure.failure === 'timeout' || out.failure.failure === 'unreachable') {
            const h = await rt.health(backend, { fresh: true, signal });
            if (!h.connected && !signal.aborted) {
              dropped.add(backend.name);
              r.error = `${r.error}; then not connected (${h.result.error}), so left out of the rest of the job`;
            }
          }
          return;
        }
        out.perTask!.forEach((predictions, i) => {
          if (predictions.length === 0) return;
          const id = tasks[i]!.id as number;
          const forTask = fresh.get(id) ?? new Map<string, JsonObject[]>();
          forTask.set(backend.name, predictions);
          fresh.set(id, forTask);
          r.predictions += predictions.length;
        });
      }),
    );
    // Stored together: the engine writes them in one durable step (one fsync for the batch).
    const saved = await Promise.all([...fresh].map(([id, byBackend]) => storePredictions(store, id, byBackend)));
    report.predicted += saved.filter(Boolean).length;
    report.processed += batchIds.length;
  };

  let next = 0;
  // A store that cannot write (a full disk) ends the job: the other worker stops too.
  let fatal: { err: unknown } | undefined;
  const worker = async () => {
    while (next < batches.length && !signal.aborted && !fatal && dropped.size < live.length) {
      try {
        await runBatch(batches[next++]!);
      } catch (err) {
        fatal ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(BATCHES_IN_FLIGHT, batches.length) }, worker));
  if (fatal) throw fatal.err;

  // Failed only when nothing could be stored because backends failed; a backend without a
  // model yet (404) or with nothing to say for these tasks is not a failure.
  const failed = Object.entries(reports).filter(([, r]) => r.errors > 0);
  if (!signal.aborted && report.predicted === 0 && failed.length > 0) {
    job.error = failed.map(([name, r]) => `"${name}": ${r.error}`).join('; ');
  }
}

/** Merges one task's fresh predictions into its stored ones; false when the task is gone. */
async function storePredictions(store: ProjectStore, id: number, fresh: ReadonlyMap<string, JsonObject[]>): Promise<boolean> {
  const gone = new Error('task deleted meanwhile');
  try {
    return await store.changeTask(id, (current) => {
      if (!current) throw gone;
      const task: Task = { ...current.task, predictions: mergePredictions(current.task.predictions, fresh) };
      return { task, value: true };
    });
  } catch (err) {
    if (err === gone) return false;
    throw err;
  }
}
