// The calls of the ML backend protocol (spec ml-backend.md §3, §8) and how their answers
// are read, for legacy backends (Label Studio 0.8's SDK, label-studio-ml 1.0.x) and v2 ones
// (label-studio-ml 2.x) alike. Each function makes one call and returns what the server
// uses from it; none throws.
import { basename } from 'node:path';
import type { JsonObject, MlBackendEntry } from '../domain/types.ts';
import { isJsonObject } from '../domain/types.ts';
import type { CallResult, MlClient } from './client.ts';
import type { Protocol } from './backends.ts';

/** What the calls need to know of the project. */
export interface ProjectInfo {
  /** The project's name (the title of v2's START_TRAINING project). */
  title: string;
  /** Where it lives (the legacy /train's params.project_full_path). */
  location: string;
  /** The labeling config on one line, comments removed (0.8's label_config_line). */
  labelConfig: string;
  /** The server's external base URL, which backends put before /data/upload/... paths. */
  hostname: string;
}

export interface Health {
  connected: boolean;
  protocol: Protocol;
  /** basename of the legacy /health's model_dir, or v2's model_class. */
  dir?: string;
  result: CallResult;
}

/**
 * GET /health: connected if and only if a 2xx JSON answer (§2.4). A body with model_class
 * is a v2 backend (§8.2 rule 1), unless the entry names its protocol.
 */
export async function health(client: MlClient, backend: MlBackendEntry, signal?: AbortSignal): Promise<Health> {
  const result = await client.call(backend, 'GET', 'health', 'health', undefined, signal);
  const body = isJsonObject(result.body) ? result.body : {};
  const detected: Protocol = typeof body.model_class === 'string' ? 'v2' : 'legacy';
  const dir = typeof body.model_dir === 'string' && body.model_dir ? basename(body.model_dir) : typeof body.model_class === 'string' ? body.model_class : undefined;
  return { connected: result.ok, protocol: backend.protocol ?? detected, ...(dir && { dir }), result };
}

/** A model_version as sent (a string, or a number some backends send); anything else is none. */
function versionOf(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;
}

/** POST /setup: the model version, when the answer has one (optional, §8.2 rule 2). */
export async function setup(client: MlClient, backend: MlBackendEntry, info: ProjectInfo, signal?: AbortSignal): Promise<{ result: CallResult; modelVersion?: string }> {
  const result = await client.call(backend, 'POST', 'setup', 'setup', { project: backend.name, schema: info.labelConfig, hostname: info.hostname }, signal);
  if (!result.ok) return { result };
  if (!isJsonObject(result.body)) return { result: garbage(result, `/setup answered ${describe(result.body)}, not an object`) };
  const modelVersion = versionOf(result.body.model_version);
  return { result, ...(modelVersion !== undefined && { modelVersion }) };
}

/** A task as sent to /predict: what clients see, with predictions emptied for every backend (§3.3). */
export function taskForBackend(task: JsonObject): JsonObject {
  const { completed_at: _a, has_cancelled_completions: _b, ...rest } = task;
  return { ...rest, predictions: [] };
}

export interface Predicted {
  result: CallResult;
  /** The predictions of each task sent, in order (possibly none for a task). */
  perTask?: JsonObject[][];
  /** Prediction objects left out because they had no result list (logged by the caller). */
  skipped?: number;
}

/** POST /predict with several tasks; the answer read leniently (§8.2 rule 3). */
export async function predict(client: MlClient, backend: MlBackendEntry, tasks: JsonObject[], modelVersion: string | null, info: ProjectInfo, signal?: AbortSignal): Promise<Predicted> {
  const body = {
    tasks: tasks.map(taskForBackend),
    model_version: modelVersion,
    project: backend.name,
    label_config: info.labelConfig,
    params: { force_load: true, login: '', password: '' },
  };
  const result = await client.call(backend, 'POST', 'predict', 'predict', body, signal);
  if (!result.ok) return { result };
  const parsed = parsePredictions(result.body, tasks.length, { backend: backend.name, modelVersion });
  if ('error' in parsed) return { result: garbage(result, parsed.error) };
  return { result, perTask: parsed.perTask, skipped: parsed.skipped };
}

/**
 * Reads a /predict answer into one list of prediction objects per task sent:
 * - a missing or empty `results` is no prediction; results[i] belongs to tasks[i];
 * - an object is one prediction; a list (v2) holds several; a prediction without a
 *   `result` list is skipped;
 * - every prediction keeps the backend's keys and gets created_by (the backend's name),
 *   created_date and model_version (its own, else the answer's, else /setup's).
 * A batch answered with another number of results than tasks is an error (the caller
 * then asks one task at a time, as Label Studio 1.x does).
 */
export function parsePredictions(
  body: unknown,
  taskCount: number,
  from: { backend: string; modelVersion: string | null; now?: Date },
): { perTask: JsonObject[][]; skipped: number } | { error: string } {
  if (!isJsonObject(body)) return { error: `/predict answered ${describe(body)}, not an object with "results"` };
  const results = body.results;
  if (results === undefined || results === null || (Array.isArray(results) && results.length === 0)) {
    return { perTask: Array.from({ length: taskCount }, () => []), skipped: 0 };
  }
  if (!Array.isArray(results)) return { error: `/predict answered "results": ${describe(results)}, not a list` };
  if (taskCount > 1 && results.length !== taskCount) return { error: `/predict answered ${results.length} results for ${taskCount} tasks` };
  const created = (from.now ?? new Date()).toISOString();
  const version = versionOf(body.model_version) ?? from.modelVersion ?? undefined;
  let skipped = 0;
  const perTask: JsonObject[][] = [];
  for (let i = 0; i < taskCount; i++) {
    const item = results[i];
    const candidates = Array.isArray(item) ? item : item === undefined || item === null ? [] : [item];
    const list: JsonObject[] = [];
    for (const p of candidates) {
      if (!isJsonObject(p) || !Array.isArray(p.result)) {
        skipped++;
        continue;
      }
      const own = versionOf(p.model_version) ?? version;
      list.push({ ...p, created_by: from.backend, created_date: created, ...(own !== undefined && { model_version: own }) });
    }
    perTask.push(list);
  }
  return { perTask, skipped };
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** A 2xx answer that is not what the protocol says: a failure like non-JSON. */
function garbage(result: CallResult, error: string): CallResult {
  return { ...result, ok: false, failure: 'garbage', error };
}

// ---- training ----

/** Job states of an rq job that mean it has not finished. */
const RUNNING_JOB = new Set(['queued', 'started', 'deferred', 'scheduled']);

/** POST /job_status for a job the backend gave us: whether it still runs. */
export async function jobRunning(client: MlClient, backend: MlBackendEntry, job: string, signal?: AbortSignal): Promise<{ result: CallResult; running: boolean }> {
  const result = await client.call(backend, 'POST', 'job_status', 'trainStatus', { job }, signal);
  const status = isJsonObject(result.body) ? result.body.job_status : undefined;
  return { result, running: result.ok && typeof status === 'string' && RUNNING_JOB.has(status) };
}

/** GET /is_training?project=<name>; a 404 (v2, late 1.0.x) is "not training" (§8.2 rule 5). */
export async function isTraining(client: MlClient, backend: MlBackendEntry, signal?: AbortSignal): Promise<{ result: CallResult; training: boolean }> {
  // 0.8 did not encode the name; we do (§2.1).
  const result = await client.call(backend, 'GET', `is_training?project=${encodeURIComponent(backend.name)}`, 'trainStatus', undefined, signal);
  if (result.failure === 'status' && result.status === 404) return { result: { ...result, ok: true }, training: false };
  if (!result.ok) return { result, training: false };
  if (!isJsonObject(result.body)) return { result: garbage(result, `/is_training answered ${describe(result.body)}, not an object`), training: false };
  return { result, training: result.body.is_training === true };
}

/**
 * The legacy /train body (§3.4, §8.2 rule 4): every completions file, under both
 * `completions` (0.8's SDK) and `annotations` (label-studio-ml 1.0.x), at the top and
 * inside each item, so both generations find their key.
 */
export function legacyTrainBody(backend: MlBackendEntry, files: readonly JsonObject[], info: ProjectInfo): JsonObject {
  const items = files.map((f) => ({ ...f, annotations: f.completions ?? [] })) as JsonObject[];
  return {
    completions: items,
    annotations: items,
    project: backend.name,
    label_config: info.labelConfig,
    params: { login: '', password: '', project_full_path: info.location },
  };
}

/** POST /train; the rq job id when the backend queued the training. */
export async function train(client: MlClient, backend: MlBackendEntry, body: JsonObject, signal?: AbortSignal): Promise<{ result: CallResult; job?: string }> {
  const result = await client.call(backend, 'POST', 'train', 'train', body, signal);
  const job = isJsonObject(result.body) ? versionOf(result.body.job) : undefined;
  return { result, ...(job !== undefined && { job }) };
}

/** POST /webhook START_TRAINING, as current Label Studio starts a v2 backend's training (§8.1). */
export async function startTrainingWebhook(client: MlClient, backend: MlBackendEntry, info: ProjectInfo, signal?: AbortSignal): Promise<{ result: CallResult }> {
  const body = { action: 'START_TRAINING', project: { id: backend.name, title: info.title, label_config: info.labelConfig } };
  return { result: await client.call(backend, 'POST', 'webhook', 'train', body, signal) };
}

/** POST /delete when every task is deleted (§3.7); legacy backends answer 404, which is fine. */
export async function forgetProject(client: MlClient, backend: MlBackendEntry): Promise<CallResult> {
  return client.call(backend, 'POST', 'delete', 'delete', { project: backend.name });
}
