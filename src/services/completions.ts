// Completions: create, update, skip, delete (api.md §5.16-5.18), with the fixes of
// §12: ids are never reused, PATCH of an unknown completion is 404, a client-sent
// created_at is ignored on update, every delete respects allow_delete_completions.
// Each change runs inside the store's changeCompletions: the rules are here, the engine
// makes the read-modify-write one step.
import type { Completion, CompletionFile, JsonObject } from '../domain/types.ts';
import { isJsonObject } from '../domain/types.ts';
import { AppError, badRequest, notFound } from '../errors.ts';
import { sortKeysDeep } from '../util/json.ts';
import type { CompletionsState } from '../storage/store.ts';
import type { ProjectContext } from './context.ts';
import { currentTaskRules } from './project.ts';
import { resultProblem } from '../labelConfig/taskRules.ts';
import { noteNewCompletion } from './models.ts';

const taskNotFound = (id: number) => notFound(`Task ${id} not found`);

async function requireDeleteAllowed(ctx: ProjectContext): Promise<void> {
  if ((await ctx.store.config()).settings.allow_delete_completions !== true) {
    throw new AppError('delete_not_allowed', 'Completion removing is not allowed in server config');
  }
}

/** The task's completions file, or a new one. Predictions are never stored in it (0.8 left one there after a delete). */
function fileOf({ task, file }: CompletionsState): CompletionFile {
  if (file) {
    const { predictions: _drop, ...rest } = file;
    return rest as CompletionFile;
  }
  return { id: task.id, data: task.data, completions: [] };
}

/**
 * A completion body. A POST must carry a result list (LSF always sends one, and an import
 * requires it too); a PATCH may leave it out and change other fields only. The result
 * must come from the config's controls.
 */
async function completionBody(ctx: ProjectContext, body: unknown, resultRequired: boolean): Promise<JsonObject> {
  if (!isJsonObject(body)) throw badRequest('Body must be a JSON object (the completion)', 'invalid_completion');
  if ((resultRequired || body.result !== undefined) && !Array.isArray(body.result)) throw badRequest('"result" must be a list', 'invalid_completion');
  const made = (await currentTaskRules(ctx)).producers;
  const problem = made && Array.isArray(body.result) ? resultProblem(made, body.result) : undefined;
  if (problem) throw badRequest(problem, 'invalid_completion');
  return body;
}

/**
 * POST /api/tasks/<id>/completions: a new completion, or, when the body's id names an
 * existing one, an update of it (how LSF skips an already saved completion).
 *
 * completed_by is the annotator who sent it (the identity next() reserves for: the
 * annotator cookie, ?annotator=, the Basic-auth user), set by the server like created_at:
 * a value in the body is ignored. Without an annotator the completion has none, as every
 * completion 0.8 made (those read as "unknown").
 */
export async function submitCompletion(ctx: ProjectContext, taskId: number, rawBody: unknown, cancelled: boolean, annotator?: string): Promise<number> {
  const body = { ...(await completionBody(ctx, rawBody, true)) };
  delete body.was_cancelled;
  delete body.skipped;
  delete body.completed_by;
  if (cancelled) body.was_cancelled = true;
  const now = Math.floor(Date.now() / 1000);
  const saved = await ctx.store.changeCompletions(taskId, (state) => {
    const file = fileOf(state);
    const existing = typeof body.id === 'number' ? file.completions.findIndex((c) => c.id === body.id) : -1;
    if (existing >= 0) {
      const old = file.completions[existing]!;
      const { created_at: _ignored, ...changes } = body;
      // Who made it stays who made it.
      const merged = { ...old, ...changes, id: old.id } as Completion;
      if (!cancelled) delete merged.was_cancelled;
      const completions = file.completions.map((c, i) => (i === existing ? merged : c));
      return { file: sortKeysDeep({ ...file, completions }) as CompletionFile, release: true, value: { id: old.id, created: false } };
    }
    const newId = state.highestId + 1;
    const made = { ...body, id: newId, created_at: now, ...(annotator !== undefined && { completed_by: annotator }) } as Completion;
    const completions = [...file.completions, made];
    // No highestId: the new id is in the file, where the engine finds it.
    return { file: sortKeysDeep({ ...file, completions }) as CompletionFile, release: true, value: { id: newId, created: true } };
  });
  if (saved === undefined) throw taskNotFound(taskId);
  ctx.cloud.targetChanged([taskId]);
  // A new labeled example counts towards automatic training (ml_train_every).
  if (saved.created && !cancelled) noteNewCompletion(ctx);
  return saved.id;
}

/**
 * PATCH /api/tasks/<id>/completions/<cid>: shallow merge; was_cancelled in the body
 * un-skips. created_at and completed_by stay those of the completion's making.
 */
export async function updateCompletion(ctx: ProjectContext, taskId: number, completionId: number, rawBody: unknown): Promise<void> {
  const body = { ...(await completionBody(ctx, rawBody, false)) };
  delete body.created_at;
  delete body.completed_by;
  if ('was_cancelled' in body) body.was_cancelled = false;
  const done = await ctx.store.changeCompletions(taskId, (state) => {
    const file = fileOf(state);
    const index = file.completions.findIndex((c) => c.id === completionId);
    // 0.8 appended a new completion here; an unknown id is a client error.
    if (index < 0) throw notFound(`Completion ${completionId} not found in task ${taskId}`);
    const merged = { ...file.completions[index]!, ...body, id: completionId } as Completion;
    const completions = file.completions.map((c, i) => (i === index ? merged : c));
    return { file: sortKeysDeep({ ...file, completions }) as CompletionFile, value: true };
  });
  if (done === undefined) throw taskNotFound(taskId);
  ctx.cloud.targetChanged([taskId]);
}

/** DELETE /api/tasks/<id>/completions/<cid>: the file stays, possibly with an empty list. */
export async function deleteCompletion(ctx: ProjectContext, taskId: number, completionId: number): Promise<void> {
  await requireDeleteAllowed(ctx);
  // 0.8 ignored an unknown task here too; like every other route, it is a 404 now. A
  // task without that completion (or without any) is still a silent 204, as in 0.8.
  const done = await ctx.store.changeCompletions(taskId, (state) => {
    if (!state.file || !state.file.completions.some((c) => c.id === completionId)) return { value: true };
    const file = fileOf(state);
    const completions = file.completions.filter((c) => c.id !== completionId);
    // The deleted id stays the highest given, so it is never given again.
    return { file: { ...file, completions }, highestId: state.highestId, value: true };
  });
  if (done === undefined) throw taskNotFound(taskId);
  ctx.cloud.targetChanged([taskId]);
}

/** DELETE /api/tasks/<id>/completions: the task goes back to the stream. */
export async function deleteTaskCompletions(ctx: ProjectContext, taskId: number): Promise<void> {
  await requireDeleteAllowed(ctx);
  const done = await ctx.store.changeCompletions(taskId, (state) => (state.file ? { file: null, highestId: state.highestId, value: true } : { value: true }));
  if (done === undefined) throw taskNotFound(taskId);
  ctx.cloud.targetChanged([taskId]);
}

/** DELETE /api/completions: gated like the per-task deletes (0.8 did not gate it). */
export async function deleteAllCompletions(ctx: ProjectContext): Promise<void> {
  await requireDeleteAllowed(ctx);
  const ids = await ctx.store.completedIds();
  await ctx.store.deleteAllCompletions();
  ctx.cloud.targetChanged(ids);
}

/** Ids of tasks with a completions file (0.8's "completed"), ascending. */
export function completedTaskIds(ctx: ProjectContext): Promise<number[]> {
  return ctx.store.completedIds();
}
