// Import: the raw items of a request (a JSON body, or what the importers collect from
// files, archives and URLs) are checked together against the config; only if every item
// passes are hosted files written to upload/ and the tasks stored, with consecutive ids,
// as one journal record (all-or-nothing). Imported completions go to completions files
// only (0.8 also left a copy inside tasks.json, which resurfaced later).
import type { CompletionFile, JsonObject, NewTask, Task } from '../domain/types.ts';
import { HttpError } from '../http/errors.ts';
import { parseLabelConfig } from '../labelConfig/parse.ts';
import { validateImportItems } from '../importers/validateTasks.ts';
import { ImportFailure, NO_TASKS, tooManyTasks } from '../importers/errors.ts';
import { collectFiles } from '../importers/kinds.ts';
import { downloadUrl } from '../importers/url.ts';
import { dropDuplicates } from '../importers/dedupe.ts';
import { writeUploads } from '../importers/uploads.ts';
import type { InputFile, PendingUpload } from '../importers/types.ts';
import { sortKeysDeep } from '../util/json.ts';
import type { ProjectContext } from './context.ts';

export interface ImportResult {
  task_count: number;
  completion_count: number;
  prediction_count: number;
  duration: number;
  formats: Record<string, number>;
  new_task_ids: number[];
  /** Only with ?dedupe=1: tasks left out because their data was already there. */
  skipped_count?: number;
}

export interface ImportOptions {
  /** Skip tasks whose data equals a stored task's (not in 0.8). */
  dedupe?: boolean;
  /** When the request began, for "duration". */
  startedAt?: number;
}

/** An import error in the shape the 0.8 import page prints: a list of messages. */
export function importError(message: string | string[], status = 400): HttpError {
  const list = Array.isArray(message) ? message : [message];
  return new HttpError(status, 'import_failed', list.join('\n'), list);
}

/** Runs an import step, turning the importers' failures into import errors. */
async function asImportError<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof ImportFailure) throw importError(err.message, err.status);
    throw err;
  }
}

export function projectDataTypes(ctx: ProjectContext): Record<string, string> {
  try {
    return parseLabelConfig(ctx.store.state.labelConfig).dataTypes;
  } catch {
    return {};
  }
}

/**
 * Validates raw items and stores them; throws a 400 with the per-item list on any error.
 * `count` is how many items the input held (more than items.length when the collector
 * stopped keeping them at the limit).
 */
export async function importItems(
  ctx: ProjectContext,
  items: unknown[],
  formats: Record<string, number>,
  options: ImportOptions = {},
  uploads: Iterable<PendingUpload> = [],
  count = items.length,
): Promise<ImportResult> {
  const startedAt = options.startedAt ?? performance.now();
  if (count === 0) throw importError(NO_TASKS);
  const max = ctx.settings.MAX_TASKS_PER_IMPORT;
  if (count > max) throw importError(tooManyTasks(max, count).message, 413);
  const { tasks, errors } = validateImportItems(items, projectDataTypes(ctx));
  if (errors.length) throw importError(errors);
  // Files first: a task is acknowledged only when the file its URL names is on disk.
  await writeUploads(ctx.store.uploadDir(), uploads);
  // No await between the duplicate check and the store taking the tasks: two concurrent
  // imports of the same data cannot both pass.
  let kept = tasks;
  let skipped: number | undefined;
  if (options.dedupe) ({ kept, skipped } = dropDuplicates(ctx.store.state, ctx.store.state.tasks, tasks));
  const result = await storeNewTasks(ctx, kept, formats, startedAt);
  if (skipped !== undefined) result.skipped_count = skipped;
  return result;
}

export interface ImportWorkspace {
  /** A temporary folder for this request, removed by the caller afterwards. */
  tempDir: string;
}

/** Imports uploaded files (already on disk in the workspace), in request order. */
export async function importFiles(ctx: ProjectContext, files: InputFile[], work: ImportWorkspace, options: ImportOptions = {}): Promise<ImportResult> {
  const collector = await asImportError(() =>
    collectFiles(files, {
      dataTypes: projectDataTypes(ctx),
      tempDir: work.tempDir,
      publicUrl: ctx.settings.PUBLIC_URL,
      maxTasks: ctx.settings.MAX_TASKS_PER_IMPORT,
    }),
  );
  return importItems(ctx, collector.items, collector.formats, options, collector.uploads.values(), collector.count);
}

/** Downloads a URL into the workspace and imports it as a file of that name. */
export async function importUrl(ctx: ProjectContext, url: string, work: ImportWorkspace, options: ImportOptions = {}): Promise<ImportResult> {
  const file = await asImportError(() => downloadUrl(url, { tempDir: work.tempDir, maxBytes: ctx.settings.MAX_UPLOAD_SIZE, timeoutMs: ctx.settings.URL_IMPORT_TIMEOUT_MS }));
  return importFiles(ctx, [file], work, options);
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
  // Everything skipped as a duplicate: nothing to write.
  if (tasks.length) await store.addTasks(tasks, files);
  return {
    task_count: tasks.length,
    completion_count: completionCount,
    prediction_count: predictionCount,
    duration: Number(((performance.now() - startedAt) / 1000).toFixed(4)),
    formats,
    new_task_ids: tasks.map((t) => t.id),
  };
}
