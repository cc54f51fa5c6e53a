// ML backends of a project (spec ml-backend.md, api.md §5.19-5.21, §7): registering and
// removing them, predictions (for one posted task, or as a background job over the
// project's tasks), the live prediction of next / GET task, training (on request, or
// after every N new completions) and the jobs' status. The protocol and the client are in
// src/ml/; the rules of what a request may do are here.
import type { JsonObject, MlBackendEntry, ProjectSettings } from '../domain/types.ts';
import { isJsonObject } from '../domain/types.ts';
import { AppError, badRequest, notFound } from '../errors.ts';
import { labelConfigLine } from '../labelConfig/parse.ts';
import { backendsOf, entryFromString, nameProblem, PROTOCOLS, publicEntry, urlProblem } from '../ml/backends.ts';
import type { CallResult } from '../ml/client.ts';
import { Job } from '../ml/jobs.ts';
import { livePredictions, predictBatch, runPredictionJob } from '../ml/predictions.ts';
import { forgetProject, isTraining, setup, type ProjectInfo } from '../ml/protocol.ts';
import { backendError, checkTraining, runTrainingJob } from '../ml/training.ts';
import type { Settings } from '../settings.ts';
import type { ProjectContext } from './context.ts';

/** 0.8's answer when a project has no backend (a JSON string then; detail now). */
const NO_ML_BACKEND = 'No ML backend';

/** The server's external base URL, sent to backends as `hostname` (they resolve /data/upload/... with it). */
export function serverUrl(settings: Settings): string {
  if (settings.PUBLIC_URL) return settings.PUBLIC_URL.replace(/\/+$/, '');
  const host = settings.HOST === '0.0.0.0' || settings.HOST === '::' ? 'localhost' : settings.HOST.includes(':') ? `[${settings.HOST}]` : settings.HOST;
  return `http://${host}:${settings.PORT}`;
}

export async function projectInfo(ctx: ProjectContext): Promise<ProjectInfo> {
  const { labelConfig } = await ctx.store.config();
  return { title: ctx.store.name, location: ctx.store.location, labelConfig: labelConfigLine(labelConfig), hostname: serverUrl(ctx.settings) };
}

async function configuredBackends(ctx: ProjectContext): Promise<MlBackendEntry[]> {
  return backendsOf((await ctx.store.config()).settings);
}

export async function requireBackends(ctx: ProjectContext): Promise<MlBackendEntry[]> {
  const backends = await configuredBackends(ctx);
  if (backends.length === 0) throw new AppError('no_ml_backend', NO_ML_BACKEND);
  return backends;
}

// ---- registration ----

/** GET /api/models: the names, backends not contacted (0.8's shape). */
export async function listModels(ctx: ProjectContext): Promise<{ models: string[] }> {
  return { models: (await configuredBackends(ctx)).map((b) => b.name) };
}

/**
 * GET /api/models?details=1 (the data of 0.8's /model page): each backend asked for its
 * health, model version and whether it trains, all at once, each call with its timeout.
 */
export async function modelDetails(ctx: ProjectContext): Promise<{ models: JsonObject[] }> {
  const [backends, info] = await Promise.all([configuredBackends(ctx), projectInfo(ctx)]);
  const rt = ctx.ml;
  const models = await Promise.all(
    backends.map(async (b): Promise<JsonObject> => {
      const h = await rt.health(b, { fresh: true });
      const state = rt.state(b);
      const out: JsonObject = { name: b.name, url: b.url, connected: h.connected, protocol: h.connected ? h.protocol : (b.protocol ?? null) };
      if (h.dir) out.dir = h.dir;
      let error = h.connected ? null : (h.result.error ?? 'not connected');
      let training = false;
      if (h.connected) {
        const [s, t] = await Promise.all([setup(rt.client, b, info), h.protocol === 'v2' ? undefined : isTraining(rt.client, b)]);
        if (s.modelVersion !== undefined) state.modelVersion = s.modelVersion;
        if (!s.result.ok) error = s.result.error ?? 'setup failed';
        if (t?.result.ok) training = t.training;
      }
      // A training job of ours counts too (a v2 backend has no /is_training to ask).
      const ours = rt.jobs.active('train').length > 0;
      return { ...out, model_version: state.modelVersion, is_training: training === true || ours, error };
    }),
  );
  return { models };
}

const ENTRY_KEYS = new Set(['name', 'url', 'protocol', 'basic_auth_user', 'basic_auth_pass']);

/** A new entry from a request body, checked; not yet contacted. */
function entryOf(ctx: ProjectContext, body: unknown): MlBackendEntry {
  if (!isJsonObject(body)) throw badRequest('Body must be a JSON object {"name", "url"}', 'invalid_ml_backend');
  const unknownKeys = Object.keys(body).filter((k) => !ENTRY_KEYS.has(k));
  if (unknownKeys.length) throw badRequest(`Unknown ML backend fields ${JSON.stringify(unknownKeys)}: use name, url, protocol, basic_auth_user, basic_auth_pass`, 'invalid_ml_backend');
  const urlWrong = urlProblem(body.url);
  if (urlWrong) throw badRequest(urlWrong, 'invalid_ml_backend');
  const url = (body.url as string).trim();
  const name = body.name === undefined ? entryFromString(url, ctx.store.name).name : body.name;
  const nameWrong = nameProblem(name);
  if (nameWrong) throw badRequest(nameWrong, 'invalid_ml_backend');
  const entry: MlBackendEntry = { url, name: name as string };
  if (body.protocol !== undefined) {
    if (!PROTOCOLS.includes(body.protocol as never)) throw badRequest(`"protocol" must be one of ${PROTOCOLS.join(', ')} (or left out to detect it)`, 'invalid_ml_backend');
    entry.protocol = body.protocol as MlBackendEntry['protocol'];
  }
  const user = body.basic_auth_user;
  const pass = body.basic_auth_pass;
  if (user !== undefined || pass !== undefined) {
    if (typeof user !== 'string' || typeof pass !== 'string' || user === '' || user.includes(':')) {
      throw badRequest('"basic_auth_user" (without ":") and "basic_auth_pass" must be given together, as strings', 'invalid_ml_backend');
    }
    entry.basic_auth_user = user;
    entry.basic_auth_pass = pass;
  }
  return entry;
}

/**
 * Checks a new backend: a free name, and a backend that answers /health (0.8 refused an
 * unreachable one, and so do we: a typo in a URL is found now, not at the first task).
 */
async function checkedEntry(ctx: ProjectContext, entry: MlBackendEntry): Promise<{ entry: MlBackendEntry; protocol: string }> {
  if ((await configuredBackends(ctx)).some((b) => b.name === entry.name)) {
    throw new AppError('ml_backend_exists', `An ML backend named "${entry.name}" is already connected; remove it first (DELETE /api/models) or choose another name`);
  }
  const h = await ctx.ml.health(entry, { fresh: true });
  if (!h.connected) {
    if (h.result.failure === 'refused') throw badRequest(h.result.error ?? 'Refused', 'invalid_ml_backend');
    throw backendError(h.result, `ML backend with URL: "${entry.url}" is not connected. (${h.result.error})`);
  }
  return { entry, protocol: h.protocol };
}

/**
 * The settings with one more backend. Given the settings read after the health check's
 * wait, so two adds of one name do not both land. The list is kept as stored, entries
 * the server cannot use and unknown keys included.
 */
export function withBackend(settings: ProjectSettings, entry: MlBackendEntry): ProjectSettings {
  if (backendsOf(settings).some((b) => b.name === entry.name)) throw new AppError('ml_backend_exists', `An ML backend named "${entry.name}" is already connected`);
  const list = Array.isArray(settings.ml_backends) ? settings.ml_backends : [];
  return { ...settings, ml_backends: [...list, entry] };
}

/** POST /api/models {name, url, ...}: checked, contacted, then saved. */
export async function addBackend(ctx: ProjectContext, body: unknown): Promise<JsonObject> {
  const { entry, protocol } = await checkedEntry(ctx, entryOf(ctx, body));
  await ctx.store.saveConfig(withBackend((await ctx.store.config()).settings, entry));
  return { ...(publicEntry(entry) as JsonObject), connected: true, detected_protocol: protocol, model_version: ctx.ml.state(entry).modelVersion };
}

/**
 * PATCH /api/project {"ml_backend": "name=url" | "url"} (0.8's way): the entry as 0.8 made
 * it, checked and contacted, for the caller to save with the other settings of the same
 * request (withBackend), all or nothing.
 */
export async function backendFromString(ctx: ProjectContext, text: string): Promise<MlBackendEntry> {
  const { name, url } = entryFromString(text, ctx.store.name);
  return (await checkedEntry(ctx, entryOf(ctx, { name, url }))).entry;
}

/**
 * ML backends named on the command line (`--ml-backends URL|name=URL ...`, 0.8's form),
 * saved without being contacted, as 0.8's init did: a backend started after the server is
 * fine. A URL already connected is left as it is; a wrong URL or name is refused.
 */
export async function addBackendsFromCommandLine(ctx: ProjectContext, texts: readonly string[]): Promise<MlBackendEntry[]> {
  let settings = (await ctx.store.config()).settings;
  const added: MlBackendEntry[] = [];
  for (const text of texts) {
    const { name, url } = entryFromString(text, ctx.store.name);
    const problem = urlProblem(url) ?? nameProblem(name);
    if (problem) throw badRequest(`--ml-backends ${JSON.stringify(text)}: ${problem}`, 'invalid_ml_backend');
    if (backendsOf(settings).some((b) => b.url === url)) continue;
    const entry: MlBackendEntry = { url, name };
    settings = withBackend(settings, entry);
    added.push(entry);
  }
  if (added.length) await ctx.store.saveConfig(settings);
  return added;
}

/** DELETE /api/models {"name"}: the first entry of that name (0.8), the backend not contacted. */
export async function removeBackend(ctx: ProjectContext, name: unknown): Promise<void> {
  if (typeof name !== 'string' || name === '') throw badRequest('Give the backend\'s name: {"name": "<name>"} (or ?name=)');
  const { settings } = await ctx.store.config();
  const list = Array.isArray(settings.ml_backends) ? [...settings.ml_backends] : [];
  const at = list.findIndex((b) => isJsonObject(b) && b.name === name);
  if (at < 0) throw new AppError('ml_backend_not_found', `Can't remove ML backend with name "${name}": not found.`);
  const [removed] = list.splice(at, 1);
  await ctx.store.saveConfig({ ...settings, ml_backends: list });
  if (removed && typeof removed.url === 'string') ctx.ml.forget(removed);
}

/** DELETE /api/tasks: POST /delete to every backend, not waited for; failures only logged (§3.7). */
export function forgetTasksInBackends(ctx: ProjectContext): void {
  void configuredBackends(ctx).then((backends) =>
    Promise.all(
      backends.map(async (b) => {
        const r = await forgetProject(ctx.ml.client, b);
        if (!r.ok) ctx.log.info(`Can't clear ML backend for project ${b.name}: ${r.error}`);
      }),
    ),
  ).catch((err: Error) => ctx.log.warn(`Can't clear ML backends: ${err.message}`));
}

// ---- predictions ----

/**
 * The live prediction of /api/project/next and GET /api/tasks/<id>: stored predictions
 * are served as they are; a task without any gets the connected backends' predictions,
 * asked within ML_TIMEOUT_LIVE_PREDICT, not stored. With backends configured the task
 * always has a predictions list (possibly empty), as in 0.8.
 */
export async function withLivePredictions(ctx: ProjectContext, view: JsonObject): Promise<JsonObject> {
  const backends = await configuredBackends(ctx);
  if (backends.length === 0) return view;
  if (Array.isArray(view.predictions) && view.predictions.length > 0) return view;
  const { predictions } = await livePredictions(ctx.ml, backends, view, await projectInfo(ctx));
  return { ...view, predictions };
}

export type PredictionMode = 'data' | 'all_tasks' | 'specific_tasks';

export function parseMode(raw: unknown): PredictionMode {
  const mode = raw === undefined || raw === '' ? 'data' : raw;
  if (mode === 'data' || mode === 'all_tasks' || mode === 'specific_tasks') return mode;
  throw new AppError('invalid_prediction_request', 'unknown mode');
}

/**
 * mode=data: predictions for a posted task ({"data": {...}} or the bare data), from every
 * connected backend, nothing stored. Unlike a live prediction this is what the client
 * asked for: each call has its own timeout (ML_TIMEOUT_PREDICT), and when no prediction
 * comes back because backends failed, the answer says so (502/504) instead of an empty list.
 */
export async function predictData(ctx: ProjectContext, body: unknown): Promise<JsonObject> {
  const backends = await requireBackends(ctx);
  if (!isJsonObject(body) || Object.keys(body).length === 0) throw new AppError('invalid_prediction_request', 'no task data found in request json');
  let task: JsonObject;
  if (body.data !== undefined) {
    if (!isJsonObject(body.data)) throw new AppError('invalid_prediction_request', '"data" must be a JSON object');
    task = body;
  } else {
    task = { data: body };
  }
  const info = await projectInfo(ctx);
  const rt = ctx.ml;
  const failures: { name: string; result: CallResult }[] = [];
  const lists = await Promise.all(
    backends.map(async (b) => {
      const h = await rt.health(b);
      if (!h.connected) {
        failures.push({ name: b.name, result: h.result });
        return [];
      }
      const out = await predictBatch(rt, b, [task], info);
      if (out.failure) failures.push({ name: b.name, result: out.failure });
      return out.perTask?.[0] ?? [];
    }),
  );
  const predictions = lists.flat();
  if (predictions.length === 0 && failures.length > 0) {
    const detail = failures.map((f) => `ML backend "${f.name}": ${f.result.error}`).join('; ');
    const worst = failures.find((f) => f.result.failure === 'garbage' || f.result.failure === 'status') ?? failures[0]!;
    throw backendError(worst.result, `No prediction: ${detail}`, { backends: Object.fromEntries(failures.map((f) => [f.name, f.result.error ?? 'failed'])) });
  }
  return { ...task, predictions };
}

const BAD_TASK_IDS = 'Request JSON data must have "task_ids": [1, 2, ...]';

/** task_ids as "1,2,3" (query) or [1, 2, 3] (JSON body). */
export function parseTaskIds(query: unknown, body: unknown): number[] {
  let raw: unknown[] | undefined;
  if (typeof query === 'string') raw = query.split(',').map((s) => s.trim());
  else if (isJsonObject(body) && Array.isArray(body.task_ids)) raw = body.task_ids;
  if (!raw || raw.length === 0) throw new AppError('invalid_prediction_request', BAD_TASK_IDS);
  const ids = raw.map((v) => (typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,15}$/.test(v) ? Number(v) : NaN));
  if (ids.some((id) => !Number.isSafeInteger(id) || id < 0)) throw new AppError('invalid_prediction_request', BAD_TASK_IDS);
  return [...new Set(ids)];
}

async function allTaskIds(ctx: ProjectContext): Promise<number[]> {
  const ids: number[] = [];
  for await (const { id } of ctx.store.taskData()) ids.push(id);
  return ids;
}

async function unlabeledTaskIds(ctx: ProjectContext): Promise<number[]> {
  const [all, completed] = await Promise.all([allTaskIds(ctx), ctx.store.completedIds()]);
  const done = new Set(completed);
  return all.filter((id) => !done.has(id));
}

function predictionJob(ctx: ProjectContext, trigger: string, params: Record<string, unknown>, taskIds: () => Promise<number[]>): Job {
  return new Job('predict', trigger, (job) => runPredictionJob(ctx.ml, ctx.store, { backends: () => configuredBackends(ctx), info: () => projectInfo(ctx), taskIds }, job), params);
}

/**
 * mode=all_tasks / specific_tasks: a background job that predicts the tasks and stores the
 * predictions on them; answered at once with the job (poll GET /api/models/jobs/<id>).
 * One prediction job at a time: another one running is a 409 naming it.
 */
export async function startPredictionJob(ctx: ProjectContext, mode: 'all_tasks' | 'specific_tasks', ids?: number[]): Promise<Job> {
  await requireBackends(ctx);
  if (mode === 'specific_tasks') {
    for (const id of ids!) if (!(await ctx.store.get(id))) throw notFound(`task ${id} not found`);
  }
  const running = ctx.ml.jobs.active('predict')[0];
  if (running) throw new AppError('ml_job_running', `A prediction job is already ${running.status} (${running.id}); cancel it (DELETE /api/models/jobs/${running.id}) or wait`, { job: running.toJSON() });
  const params = mode === 'all_tasks' ? { mode } : { mode, task_ids: ids! };
  return ctx.ml.jobs.submit(predictionJob(ctx, 'api', params, mode === 'all_tasks' ? () => allTaskIds(ctx) : async () => ids!));
}

// ---- training ----

async function completionItems(ctx: ProjectContext, signal: AbortSignal): Promise<JsonObject[]> {
  const items: JsonObject[] = [];
  for await (const file of ctx.store.completionFiles(signal)) items.push(file as JsonObject);
  return items;
}

/**
 * POST /api/models/train (and auto-training): the checks of 0.8 first, answered at once
 * (no backend, none connected, a training running); then the training runs as a job.
 * When it has trained a backend and the project says so (ml_refresh_after_training), the
 * unlabeled tasks' predictions are refreshed by a prediction job queued after it, so the
 * prediction-score sampling modes follow the new model.
 */
export async function startTraining(ctx: ProjectContext, trigger: string): Promise<Job> {
  const backends = await requireBackends(ctx);
  const rt = ctx.ml;
  const busy = () => {
    const running = rt.jobs.active('train')[0];
    if (running) throw new AppError('ml_training_running', "Can't start new training: Train job is running.", { job: running.toJSON() });
  };
  busy();
  const connected = await checkTraining(rt, backends);
  busy();
  const job = new Job('train', trigger, async (j) => {
    await runTrainingJob(rt, connected, () => completionItems(ctx, j.controller.signal), await projectInfo(ctx), j);
    if (j.error !== undefined || j.controller.signal.aborted) return;
    if ((await ctx.store.config()).settings.ml_refresh_after_training === true) j.report.refresh_job = refreshPredictions(ctx).id;
  });
  rt.completionsSinceTraining = 0;
  return rt.jobs.submit(job);
}

/** The prediction job that follows a training: the unlabeled tasks; one such job waits at most. */
function refreshPredictions(ctx: ProjectContext): Job {
  const waiting = ctx.ml.jobs.active('predict').find((j) => j.trigger === 'after-training' && j.status === 'queued');
  if (waiting) return waiting;
  return ctx.ml.jobs.submit(predictionJob(ctx, 'after-training', { mode: 'unlabeled_tasks' }, () => unlabeledTaskIds(ctx)));
}

/**
 * After a new completion is saved: with ml_train_every = N, every N new completions start
 * a training (the count is this process's, since it started or last trained). Never
 * delays the completion's answer; a training that cannot start is logged.
 */
export function noteNewCompletion(ctx: ProjectContext): void {
  const rt = ctx.ml;
  rt.completionsSinceTraining++;
  void (async () => {
    const { settings } = await ctx.store.config();
    const every = settings.ml_train_every;
    if (typeof every !== 'number' || every <= 0 || rt.completionsSinceTraining < every) return;
    if (backendsOf(settings).length === 0 || rt.jobs.active('train').length > 0) return;
    // Counted from here: a backend that is down is tried again after N more, not on each one.
    rt.completionsSinceTraining = 0;
    const job = await startTraining(ctx, 'auto-train');
    ctx.log.info(`automatic training started after ${every} new completions (job ${job.id})`);
  })().catch((err: Error) => ctx.log.warn(`automatic training not started: ${err.message}`));
}

// ---- jobs ----

export function listJobs(ctx: ProjectContext): { jobs: Record<string, unknown>[] } {
  return { jobs: ctx.ml.jobs.list().map((j) => j.toJSON()) };
}

export function requireJob(ctx: ProjectContext, id: string): Job {
  const job = ctx.ml.jobs.get(id);
  if (!job) throw new AppError('job_not_found', `No ML job ${JSON.stringify(id)} (jobs are kept while the server runs: the last 50 finished ones)`);
  return job;
}

/** DELETE /api/models/jobs/<id>: asks the job to stop and waits a little for it to do so. */
export async function cancelJob(ctx: ProjectContext, id: string): Promise<Job> {
  const job = requireJob(ctx, id);
  ctx.ml.jobs.cancel(job);
  await Promise.race([job.finished, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
  return job;
}
