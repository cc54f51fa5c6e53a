// Tasks as the API shows them (spec api.md §4.1, §5.14, §5.15) and the rules for
// changing and deleting them.
import type { CompletionFile, JsonObject, Task } from '../domain/types.ts';
import { isCancelled, isJsonObject } from '../domain/types.ts';
import { AppError, badRequest, notFound } from '../errors.ts';
import type { StoredTask, TaskOrder } from '../storage/store.ts';
import { TASK_ORDERS } from '../storage/store.ts';
import type { ProjectContext } from './context.ts';
import { currentDataTypes } from './project.ts';
import { checkTaskData } from '../labelConfig/taskRules.ts';
import { forgetTasksInBackends } from './models.ts';
import { withSignedUrls } from './storage.ts';

/** A completed task is its completions file plus the predictions of tasks.json; otherwise the entry. */
export function taskView({ task, file }: StoredTask): JsonObject {
  if (!file) {
    // 0.8 also kept imported completions inside tasks.json; that stale copy resurfaced
    // here once the completions file was gone. A task without a file has no completions.
    const { completions: _stale, ...entry } = task;
    return entry as JsonObject;
  }
  // A stored predictions key in a completions file is ignored (0.8 wrote one on delete).
  const { predictions: _ignored, ...rest } = file;
  return { ...rest, predictions: task.predictions ?? [] } as JsonObject;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** completed_at as 0.8 shows it: server local time, YYYY-MM-DD HH:MM:SS. */
export function formatCompletedAt(seconds: number): string {
  const d = new Date(seconds * 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** The list entry: completed tasks also carry completed_at and has_cancelled_completions. */
export function listedTask(stored: StoredTask): JsonObject {
  const view = taskView(stored);
  const file = stored.file;
  if (!file) return view;
  let at: number | null = file.completions.length ? -Infinity : null;
  for (const c of file.completions) at = at !== null && typeof c.created_at === 'number' ? Math.max(at, c.created_at) : null;
  view.completed_at = at === null ? 'undefined' : formatCompletedAt(at);
  view.has_cancelled_completions = file.completions.filter(isCancelled).length;
  return view;
}

export interface ListQuery {
  page: number;
  pageSize: number;
  order: TaskOrder;
  fields: string[] | 'all';
}

export function parseListQuery(q: Record<string, unknown>): ListQuery {
  const int = (v: unknown, dflt: number) => {
    if (v === undefined) return dflt;
    if (typeof v !== 'string' || !/^-?\d{1,9}$/.test(v.trim())) throw new AppError('bad_page', 'Incorrect page or page_size');
    return Number(v);
  };
  const page = int(q.page, 1);
  const pageSize = int(q.page_size, 10);
  if (page < 1 || pageSize < 1) throw new AppError('bad_page', 'Incorrect page or page_size');
  const order = q.order === undefined ? 'id' : q.order;
  if (typeof order !== 'string' || !(TASK_ORDERS as readonly string[]).includes(order)) throw new AppError('bad_page', 'Incorrect order');
  const rawFields = typeof q.fields === 'string' ? q.fields : 'all';
  const list = rawFields.split(',').map((f) => f.trim()).filter(Boolean);
  const fields = list.length === 0 || list.includes('all') ? 'all' : list;
  return { page, pageSize, order: order as TaskOrder, fields };
}

export async function listTasks(ctx: ProjectContext, q: ListQuery): Promise<JsonObject[]> {
  const page = await ctx.store.page(q.order, (q.page - 1) * q.pageSize, q.pageSize);
  const tasks = await Promise.all(page.map((stored) => withSignedUrls(ctx, listedTask(stored))));
  return tasks.map((task) => {
    if (q.fields === 'all') return task;
    // 0.8 failed with a 500 when a task lacked a requested key; missing keys are left out.
    const out: JsonObject = {};
    for (const f of q.fields) if (Object.hasOwn(task, f)) out[f] = task[f]!;
    return out;
  });
}

const taskNotFound = (id: number) => notFound(`Task ${id} not found`);

export async function requireTask(ctx: ProjectContext, id: number): Promise<StoredTask> {
  const stored = await ctx.store.get(id);
  if (!stored) throw taskNotFound(id);
  return stored;
}

export async function deleteTask(ctx: ProjectContext, id: number): Promise<void> {
  if (!(await ctx.store.deleteTask(id))) throw taskNotFound(id);
  ctx.cloud.targetChanged([id]);
}

/** Also tells the ML backends to forget the project (0.8's /delete; not waited for). */
export async function deleteAllTasks(ctx: ProjectContext): Promise<void> {
  const completed = await ctx.store.completedIds();
  await ctx.store.deleteAllTasks();
  ctx.cloud.targetChanged(completed);
  forgetTasksInBackends(ctx);
}

/** The fields a client may set on a task: data and predictions (validated as at import). */
function taskChanges(ctx: ProjectContext, dataTypes: Record<string, string>, body: unknown, requireData: boolean): { data?: JsonObject; predictions?: JsonObject[] } {
  if (!isJsonObject(body)) throw badRequest('Body must be a JSON object with "data" and/or "predictions"', 'invalid_task');
  const unknownKeys = Object.keys(body).filter((k) => k !== 'data' && k !== 'predictions' && k !== 'id');
  if (unknownKeys.length) throw badRequest(`Unknown task fields ${JSON.stringify(unknownKeys)}: only "data" and "predictions" can be set`, 'invalid_task');
  if (requireData && body.data === undefined) throw badRequest('"data" is required', 'invalid_task');
  const out: { data?: JsonObject; predictions?: JsonObject[] } = {};
  if (body.data !== undefined) {
    if (!isJsonObject(body.data)) throw badRequest('"data" must be a JSON object', 'invalid_task');
    const problem = checkTaskData(body.data, dataTypes, ctx.settings.MAX_DATA_KEYS);
    if (problem) throw badRequest(problem, 'invalid_task');
    out.data = body.data;
  }
  if (body.predictions !== undefined) {
    if (!Array.isArray(body.predictions) || !body.predictions.every((p) => isJsonObject(p) && Array.isArray(p.result))) {
      throw badRequest('"predictions" must be a list of objects with a "result" list', 'invalid_task');
    }
    out.predictions = body.predictions as JsonObject[];
  }
  return out;
}

/**
 * The completions file with new data. A predictions key 0.8 left in the file (after a
 * single-completion delete) is dropped: we never write one.
 */
function withData(file: CompletionFile, data: JsonObject): CompletionFile {
  const { predictions: _stale, ...rest } = file;
  return { ...rest, data } as CompletionFile;
}

/** PATCH: changes data and/or predictions of an existing task (not in 0.8). */
export async function patchTask(ctx: ProjectContext, id: number, body: unknown): Promise<JsonObject> {
  await requireTask(ctx, id); // an unknown task is a 404 whatever the body
  const changes = taskChanges(ctx, await currentDataTypes(ctx), body, false);
  const changed = await ctx.store.changeTask(id, (current) => {
    if (!current) throw taskNotFound(id);
    const task: Task = { ...current.task, ...changes };
    // The completions file keeps a copy of the data (0.8 never refreshed it); an explicit
    // data change should show, so the copy follows, in the same change.
    const file = current.file && changes.data ? withData(current.file, changes.data) : undefined;
    return { task, ...(file && { file }), value: taskView({ task, file: file ?? current.file }) };
  });
  // The completions file holds a copy of the data: a cloud target writes it again.
  ctx.cloud.targetChanged([id]);
  return changed;
}

/**
 * The highest task id a client may choose: completion ids are task*1000 + n, and past
 * Number.MAX_SAFE_INTEGER two completions of one task would get the same id.
 */
export const MAX_TASK_ID = Math.floor(Number.MAX_SAFE_INTEGER / 1000) - 1;

/** POST: creates task <id>, or replaces its data and predictions (not in 0.8). */
export async function putTask(ctx: ProjectContext, id: number, body: unknown): Promise<{ created: boolean; task: JsonObject }> {
  if (id > MAX_TASK_ID) throw badRequest(`task id must be at most ${MAX_TASK_ID}`, 'bad_id');
  const changes = taskChanges(ctx, await currentDataTypes(ctx), body, true);
  const changed = await ctx.store.changeTask(id, (current) => {
    const task: Task = { id, data: changes.data! };
    if (changes.predictions) task.predictions = changes.predictions;
    const file = current?.file ? withData(current.file, task.data) : undefined;
    return { task, ...(file && { file }), value: { created: !current, task: taskView({ task, file }) } };
  });
  ctx.cloud.targetChanged([id]);
  return changed;
}
