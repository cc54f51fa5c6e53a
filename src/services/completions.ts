// Completions: create, update, skip, delete (api.md §5.16-5.18), with the fixes of
// §12: ids are never reused, PATCH of an unknown completion is 404, a client-sent
// created_at is ignored on update, every delete respects allow_delete_completions.
import type { Completion, CompletionFile, JsonObject } from '../domain/types.ts';
import { isJsonObject } from '../domain/types.ts';
import { AppError, badRequest, notFound } from '../errors.ts';
import { sortKeysDeep } from '../util/json.ts';
import type { ProjectContext } from './context.ts';
import { requireTask } from './tasks.ts';
import { currentTaskRules } from './project.ts';
import { resultProblem } from '../labelConfig/taskRules.ts';

export function requireDeleteAllowed(ctx: ProjectContext): void {
  if (ctx.store.state.settings.allow_delete_completions !== true) {
    throw new AppError('delete_not_allowed', 'Completion removing is not allowed in server config');
  }
}

/** Highest id among the file's completions and any remembered for the task. */
function highestCompletionId(ctx: ProjectContext, taskId: number, file: CompletionFile | undefined): number {
  let max = Math.max(taskId * 1000, ctx.store.state.completionIdMarks.get(taskId) ?? 0);
  for (const c of file?.completions ?? []) if (typeof c.id === 'number' && c.id > max) max = c.id;
  return max;
}

function fileFor(ctx: ProjectContext, taskId: number): CompletionFile {
  const task = requireTask(ctx.store.state, taskId);
  const file = ctx.store.state.files.get(taskId);
  if (file) {
    // Predictions are never stored in completions files (0.8 left one there after a delete).
    const { predictions: _drop, ...rest } = file;
    return rest as CompletionFile;
  }
  return { id: taskId, data: task.data, completions: [] };
}

/**
 * A completion body. A POST must carry a result list (LSF always sends one, and an import
 * requires it too); a PATCH may leave it out and change other fields only.
 */
function completionBody(ctx: ProjectContext, body: unknown, resultRequired: boolean): JsonObject {
  if (!isJsonObject(body)) throw badRequest('Body must be a JSON object (the completion)', 'invalid_completion');
  if ((resultRequired || body.result !== undefined) && !Array.isArray(body.result)) throw badRequest('"result" must be a list', 'invalid_completion');
  const made = currentTaskRules(ctx).producers;
  const problem = made && Array.isArray(body.result) ? resultProblem(made, body.result) : undefined;
  if (problem) throw badRequest(problem, 'invalid_completion');
  return body;
}

/**
 * POST /api/tasks/<id>/completions: a new completion, or, when the body's id names an
 * existing one, an update of it (how LSF skips an already saved completion).
 */
export async function submitCompletion(ctx: ProjectContext, taskId: number, rawBody: unknown, cancelled: boolean): Promise<number> {
  const body = { ...completionBody(ctx, rawBody, true) };
  const file = fileFor(ctx, taskId);
  delete body.was_cancelled;
  delete body.skipped;
  if (cancelled) body.was_cancelled = true;
  const existing = typeof body.id === 'number' ? file.completions.findIndex((c) => c.id === body.id) : -1;
  let id: number;
  let completions: Completion[];
  if (existing >= 0) {
    const old = file.completions[existing]!;
    const { created_at: _ignored, ...changes } = body;
    const merged = { ...old, ...changes, id: old.id } as Completion;
    if (!cancelled) delete merged.was_cancelled;
    id = old.id;
    completions = file.completions.map((c, i) => (i === existing ? merged : c));
  } else {
    id = highestCompletionId(ctx, taskId, file) + 1;
    completions = [...file.completions, { ...body, id, created_at: Math.floor(Date.now() / 1000) } as Completion];
  }
  await ctx.store.putCompletionFile(sortKeysDeep({ ...file, completions }) as CompletionFile);
  ctx.reservations.release(taskId);
  return id;
}

/** PATCH /api/tasks/<id>/completions/<cid>: shallow merge; was_cancelled in the body un-skips. */
export async function updateCompletion(ctx: ProjectContext, taskId: number, completionId: number, rawBody: unknown): Promise<void> {
  const body = { ...completionBody(ctx, rawBody, false) };
  const file = fileFor(ctx, taskId);
  const index = file.completions.findIndex((c) => c.id === completionId);
  // 0.8 appended a new completion here; an unknown id is a client error.
  if (index < 0) throw notFound(`Completion ${completionId} not found in task ${taskId}`);
  delete body.created_at;
  if ('was_cancelled' in body) body.was_cancelled = false;
  const merged = { ...file.completions[index]!, ...body, id: completionId } as Completion;
  const completions = file.completions.map((c, i) => (i === index ? merged : c));
  await ctx.store.putCompletionFile(sortKeysDeep({ ...file, completions }) as CompletionFile);
}

/** DELETE /api/tasks/<id>/completions/<cid>: the file stays, possibly with an empty list. */
export async function deleteCompletion(ctx: ProjectContext, taskId: number, completionId: number): Promise<void> {
  requireDeleteAllowed(ctx);
  // 0.8 ignored an unknown task here too; like every other route, it is a 404 now. A
  // task without that completion (or without any) is still a silent 204, as in 0.8.
  requireTask(ctx.store.state, taskId);
  const stored = ctx.store.state.files.get(taskId);
  if (!stored) return;
  const file = fileFor(ctx, taskId);
  if (!file.completions.some((c) => c.id === completionId)) return;
  const mark = highestCompletionId(ctx, taskId, file);
  const completions = file.completions.filter((c) => c.id !== completionId);
  await ctx.store.putCompletionFile({ ...file, completions }, mark);
}

/** DELETE /api/tasks/<id>/completions: the task goes back to the stream. */
export async function deleteTaskCompletions(ctx: ProjectContext, taskId: number): Promise<void> {
  requireDeleteAllowed(ctx);
  const file = ctx.store.state.files.get(taskId);
  if (!file) return;
  await ctx.store.deleteCompletionFile(taskId, highestCompletionId(ctx, taskId, file));
}

/** DELETE /api/completions: gated like the per-task deletes (0.8 did not gate it). */
export async function deleteAllCompletions(ctx: ProjectContext): Promise<void> {
  requireDeleteAllowed(ctx);
  await ctx.store.deleteAllCompletions();
}

/** Ids of tasks with a completions file (0.8's "completed"), ascending. */
export function completedTaskIds(ctx: ProjectContext): number[] {
  const state = ctx.store.state;
  return state.fileIds().filter((id) => state.tasks.has(id));
}
