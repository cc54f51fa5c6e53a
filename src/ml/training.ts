// Training (spec ml-backend.md §4 "Training", §8.2 rules 4-5): the checks made before a
// training is accepted, and the training job, which sends the completions to each
// connected backend in the form its protocol generation reads.
import type { JsonObject, MlBackendEntry } from '../domain/types.ts';
import { AppError } from '../errors.ts';
import type { CallResult } from './client.ts';
import type { Job } from './jobs.ts';
import { isTraining, jobRunning, legacyTrainBody, startTrainingWebhook, train, type ProjectInfo } from './protocol.ts';
import type { MlRuntime } from './runtime.ts';

/** How often a queued (rq) training is asked whether it still runs. */
const POLL_MS = 1000;

/** The catalogue error for a failed call: a timeout is a 504, anything else a 502. */
export function backendError(result: CallResult, detail: string, extra: Record<string, unknown> = {}): AppError {
  if (result.failure === 'timeout') return new AppError('ml_backend_timeout', detail, extra);
  if (result.failure === 'unreachable' || result.failure === 'refused') return new AppError('ml_backend_unreachable', detail, extra);
  return new AppError('ml_backend_failed', detail, extra);
}

/**
 * Before a training is accepted (0.8's order, failing fast, nothing started yet): which
 * backends answer /health; none → the error 0.8 gave ("Training is not started ...");
 * for a legacy backend, a remembered rq job still running or /is_training true → 409;
 * /is_training failing → "Can't validate whether model is training ...". v2 backends have
 * neither route and are not asked. Returns the connected backends, in config order.
 */
export async function checkTraining(rt: MlRuntime, backends: readonly MlBackendEntry[]): Promise<MlBackendEntry[]> {
  const healths = await Promise.all(backends.map((b) => rt.health(b, { fresh: true })));
  const connected = backends.filter((_, i) => healths[i]!.connected);
  if (connected.length === 0) {
    const reasons = Object.fromEntries(backends.map((b, i) => [b.name, healths[i]!.result.error ?? 'not connected']));
    const allTimedOut = healths.every((h) => h.result.failure === 'timeout');
    const detail = "Training is not started: seems that you don't have any ML backend connected";
    throw new AppError(allTimedOut ? 'ml_backend_timeout' : 'ml_backend_unreachable', detail, { backends: reasons });
  }
  for (const backend of connected) {
    const state = rt.state(backend);
    if (state.protocol === 'v2') continue;
    if (state.trainJob && (await jobRunning(rt.client, backend, state.trainJob)).running) {
      throw new AppError('ml_training_running', "Can't start new training: Train job is running.", { backend: backend.name });
    }
    const t = await isTraining(rt.client, backend);
    if (!t.result.ok) throw backendError(t.result, `Can't validate whether model is training for project ${backend.name}: ${t.result.error}`, { backend: backend.name });
    if (t.training) throw new AppError('ml_training_running', "Can't start new training: Train job is running.", { backend: backend.name });
  }
  return connected;
}

interface TrainReport {
  protocol: string;
  status: 'queued' | 'training' | 'trained' | 'failed' | 'cancelled';
  job: string | null;
  error: string | null;
}

/**
 * The training job: each connected backend in turn. Legacy: POST /train with every
 * completions file (both keys); a 404 there (label-studio-ml 1.0.8's last builds dropped
 * the route) falls back to the webhook; an rq job id is remembered and polled with
 * /is_training until the training ends. v2: POST /webhook START_TRAINING, which trains
 * inside the call. Unlike 0.8, one backend failing does not stop the others (each says
 * what happened in the job's report); the job fails when no backend trained.
 */
export async function runTrainingJob(rt: MlRuntime, backends: readonly MlBackendEntry[], files: () => Promise<JsonObject[]>, info: ProjectInfo, job: Job): Promise<void> {
  const signal = job.controller.signal;
  const reports: Record<string, TrainReport> = {};
  job.report.backends = reports;
  let items: JsonObject[] | undefined;
  for (const backend of backends) {
    if (signal.aborted) return;
    const state = rt.state(backend);
    const r: TrainReport = { protocol: state.protocol ?? 'legacy', status: 'training', job: null, error: null };
    reports[backend.name] = r;
    let result: CallResult;
    if (state.protocol === 'v2') {
      r.protocol = 'v2 (webhook START_TRAINING)';
      result = (await startTrainingWebhook(rt.client, backend, info, signal)).result;
    } else {
      items ??= await files();
      const t = await train(rt.client, backend, legacyTrainBody(backend, items, info), signal);
      result = t.result;
      if (!result.ok && result.failure === 'status' && result.status === 404) {
        r.protocol = 'legacy without /train (webhook START_TRAINING)';
        result = (await startTrainingWebhook(rt.client, backend, info, signal)).result;
      } else if (result.ok && t.job !== undefined) {
        state.trainJob = t.job;
        r.job = t.job;
        r.status = 'queued';
        await waitForTraining(rt, backend, r, signal);
        continue;
      }
    }
    if (result.failure === 'cancelled') {
      r.status = 'cancelled';
      return;
    }
    if (!result.ok) {
      r.status = 'failed';
      r.error = `Can't update model: ML backend returns an error: ${result.error}`;
      rt.log.warn(`ML backend "${backend.name}": ${r.error}`);
      continue;
    }
    r.status = 'trained';
  }
  const failed = Object.entries(reports).filter(([, r]) => r.status === 'failed');
  if (!signal.aborted && failed.length === Object.keys(reports).length) job.error = failed.map(([name, r]) => `"${name}": ${r.error}`).join('; ');
}

/** Polls /is_training until a queued training has ended (or the backend stops answering). */
async function waitForTraining(rt: MlRuntime, backend: MlBackendEntry, r: TrainReport, signal: AbortSignal): Promise<void> {
  let failures = 0;
  while (!signal.aborted) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    const t = await isTraining(rt.client, backend, signal);
    if (t.result.failure === 'cancelled') break;
    if (!t.result.ok) {
      // A few misses in a row: the backend is gone, and nothing says the training ended.
      if (++failures >= 3) {
        r.status = 'failed';
        r.error = `Can't tell whether the training ended: ${t.result.error}`;
        return;
      }
      continue;
    }
    failures = 0;
    if (!t.training) {
      r.status = 'trained';
      return;
    }
  }
  r.status = 'cancelled';
}
