// Import: validated items become tasks with consecutive ids, all in one journal record
// (all-or-nothing). Imported completions go to completions files only (0.8 also left a
// copy inside tasks.json, which resurfaced later).
import type { CompletionFile, JsonObject, NewTask, Task } from '../domain/types.ts';
import { HttpError } from '../http/errors.ts';
import { parseLabelConfig } from '../labelConfig/parse.ts';
import { validateImportItems } from '../importers/validateTasks.ts';
import { sortKeysDeep } from '../util/json.ts';
import type { ProjectContext } from './context.ts';

export interface ImportResult {
  task_count: number;
  completion_count: number;
  prediction_count: number;
  duration: number;
  formats: Record<string, number>;
  new_task_ids: number[];
}

/** An import error in the shape the 0.8 import page prints: a list of messages. */
export function importError(message: string | string[], status = 400): HttpError {
  const list = Array.isArray(message) ? message : [message];
  return new HttpError(status, 'import_failed', list.join('\n'), list);
}

export function projectDataTypes(ctx: ProjectContext): Record<string, string> {
  try {
    return parseLabelConfig(ctx.store.state.labelConfig).dataTypes;
  } catch {
    return {};
  }
}

/** Validates raw items and stores them; throws a 400 with the per-item list on any error. */
export async function importItems(ctx: ProjectContext, items: unknown[], formats: Record<string, number>, startedAt = performance.now()): Promise<ImportResult> {
  if (items.length === 0) throw importError('load_tasks: No tasks added');
  const max = ctx.settings.MAX_TASKS_PER_IMPORT;
  if (items.length > max) throw importError(`Maximum task number is ${max}, current task number is ${items.length}`, 413);
  const { tasks, errors } = validateImportItems(items, projectDataTypes(ctx));
  if (errors.length) throw importError(errors);
  return storeNewTasks(ctx, tasks, formats, startedAt);
}

export async function storeNewTasks(ctx: ProjectContext, newTasks: NewTask[], formats: Record<string, number>, startedAt: number): Promise<ImportResult> {
  const store = ctx.store;
  const now = Math.floor(Date.now() / 1000);
  let id = store.nextTaskId();
  const tasks: Task[] = [];
  const files: CompletionFile[] = [];
  let completionCount = 0;
  let predictionCount = 0;
  for (const nt of newTasks) {
    const task: Task = { id, data: nt.data };
    if (nt.predictions) {
      task.predictions = nt.predictions;
      predictionCount += nt.predictions.length;
    }
    if (nt.completions && nt.completions.length) {
      completionCount += nt.completions.length;
      // Saved as if submitted: ids task*1000 + position, created_at = now.
      const completions = nt.completions.map((c, i) => {
        const { was_cancelled, skipped, ...rest } = c as JsonObject;
        const out: JsonObject = { ...rest, id: id * 1000 + i + 1, created_at: now };
        if (was_cancelled || skipped) out.was_cancelled = true;
        return out;
      });
      files.push(sortKeysDeep({ id, data: nt.data, completions }) as CompletionFile);
    }
    tasks.push(task);
    id++;
  }
  await store.addTasks(tasks, files);
  return {
    task_count: tasks.length,
    completion_count: completionCount,
    prediction_count: predictionCount,
    duration: Number(((performance.now() - startedAt) / 1000).toFixed(4)),
    formats,
    new_task_ids: tasks.map((t) => t.id),
  };
}
