// Import: the raw items of a request (a JSON body, or what the importers collect from
// files, archives and URLs) are checked together against the config; only if every item
// passes are hosted files written to upload/ and the tasks stored, with consecutive ids,
// as one journal record (all-or-nothing: a failure after the files were written removes
// them again). Imported completions go to completions files only (0.8 also left a copy
// inside tasks.json, which resurfaced later).
import type { NewTask } from '../domain/types.ts';
import { AppError } from '../errors.ts';
import { validateImportItems } from '../importers/validateTasks.ts';
import { ImportFailure, NO_TASKS, tooManyTasks } from '../importers/errors.ts';
import { collectFiles } from '../importers/kinds.ts';
import { downloadUrl } from '../importers/url.ts';
import { dropDuplicates } from '../importers/dedupe.ts';
import { withUploads } from '../importers/uploads.ts';
import { MAX_IMPORT_CHARS, recordChars, tooLargeToStore } from '../importers/recordSize.ts';
import type { InputFile, PendingUpload } from '../importers/types.ts';
import type { ProjectContext } from './context.ts';
import { currentDataTypes, parsedOrNull, taskRulesOf } from './project.ts';
import { dataHash } from '../domain/dataHash.ts';
import { newTaskRecords } from '../importers/records.ts';

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
  /** Fires when the import's client has gone away: a URL download in progress stops. */
  signal?: AbortSignal;
}

/**
 * An import error: the messages 0.8's import page printed (it got them as a bare list)
 * are the errors field; detail is the first, with how many more there are.
 */
export function importError(message: string | string[], status = 400): AppError {
  const list = Array.isArray(message) ? message : [message];
  const detail = list.length > 1 ? `${list[0]} (and ${list.length - 1} more errors)` : (list[0] ?? '');
  return new AppError(status === 413 ? 'import_too_large' : 'import_failed', detail, { errors: list });
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

/** An import collected and checked against the config, not yet stored. */
export interface PreparedImport {
  /** The raw items, kept to check them again if the config changes meanwhile. */
  items: unknown[];
  tasks: NewTask[];
  formats: Record<string, number>;
  uploads: PendingUpload[];
  /** The label config the tasks were checked against. */
  labelConfig: string;
}

/**
 * Checks raw items against the config: throws a 400 with the per-item list on any error,
 * a 413 when there are too many or they would not fit in one journal record. `count` is
 * how many items the input held (more than items.length when the collector stopped
 * keeping them at the limit).
 */
export async function prepareImport(
  ctx: ProjectContext,
  items: unknown[],
  formats: Record<string, number>,
  uploads: Iterable<PendingUpload> = [],
  count = items.length,
): Promise<PreparedImport> {
  if (count === 0) throw importError(NO_TASKS);
  const max = ctx.settings.MAX_TASKS_PER_IMPORT;
  if (count > max) throw importError(tooManyTasks(max, count).message, 413);
  const { labelConfig } = await ctx.store.config();
  const { tasks, errors } = validateImportItems(items, taskRulesOf(parsedOrNull(labelConfig), ctx));
  if (errors.length) throw importError(errors);
  // Refused before any file is written (and before the store has to build the record).
  if (recordChars(tasks) > MAX_IMPORT_CHARS) throw importError(tooLargeToStore().message, 413);
  return { items, tasks, formats, uploads: [...uploads], labelConfig };
}

/**
 * The tasks as the current config reads them. The config may have been saved while the
 * import's files were being written; the items are then checked again (a task the new
 * config cannot read must not be stored), and the "$undefined$" values of TXT lines and
 * hosted files go to the new config's first data key.
 */
async function tasksForCurrentConfig(ctx: ProjectContext, prepared: PreparedImport): Promise<NewTask[]> {
  const { labelConfig } = await ctx.store.config();
  if (labelConfig === prepared.labelConfig) return prepared.tasks;
  const { tasks, errors } = validateImportItems(prepared.items, taskRulesOf(parsedOrNull(labelConfig), ctx));
  if (errors.length) throw importError(errors);
  return tasks;
}

/**
 * Writes the import's files, then stores its tasks with consecutive ids as one change.
 * The config is checked again right before (it may have changed while the files were
 * written), and the duplicates dropped against the store as it is then. If storing fails,
 * the files this import added are removed again.
 */
export function commitImport(ctx: ProjectContext, prepared: PreparedImport, options: ImportOptions = {}): Promise<ImportResult> {
  const startedAt = options.startedAt ?? performance.now();
  // Files first: a task is acknowledged only when the file its URL names is stored.
  return withUploads(ctx.store.uploads, prepared.uploads, async () => {
    let kept = await tasksForCurrentConfig(ctx, prepared);
    let skipped: number | undefined;
    if (options.dedupe) ({ kept, skipped } = dropDuplicates(kept, await ctx.store.dataHashesPresent(kept.map((t) => dataHash(t.data)))));
    const result = await storeNewTasks(ctx, kept, prepared.formats, startedAt);
    if (skipped !== undefined) result.skipped_count = skipped;
    return result;
  });
}

/** Validates raw items and stores them (prepareImport, then commitImport). */
export async function importItems(
  ctx: ProjectContext,
  items: unknown[],
  formats: Record<string, number>,
  options: ImportOptions = {},
  uploads: Iterable<PendingUpload> = [],
  count = items.length,
): Promise<ImportResult> {
  return commitImport(ctx, await prepareImport(ctx, items, formats, uploads, count), options);
}

export interface ImportWorkspace {
  /** A temporary folder for this request, removed by the caller afterwards. */
  tempDir: string;
}

/**
 * What upload URLs of this project end with: a project other than the server's own, in
 * single-user mode, is reached with ?project=<name> (in multi-session mode the session
 * cookie chooses the project, as in 0.8).
 */
function uploadUrlQuery(ctx: ProjectContext): string {
  if (ctx.settings.MULTI_SESSION || ctx.store.name === ctx.settings.PROJECT) return '';
  return `?project=${encodeURIComponent(ctx.store.name)}`;
}

/** Collects and checks uploaded files (already on disk in the workspace), in request order. */
export async function prepareFiles(ctx: ProjectContext, files: InputFile[], work: ImportWorkspace): Promise<PreparedImport> {
  const dataTypes = await currentDataTypes(ctx);
  const collector = await asImportError(() =>
    collectFiles(files, {
      dataTypes,
      tempDir: work.tempDir,
      publicUrl: ctx.settings.PUBLIC_URL,
      urlQuery: uploadUrlQuery(ctx),
      maxTasks: ctx.settings.MAX_TASKS_PER_IMPORT,
      maxBytes: ctx.settings.MAX_UPLOAD_SIZE,
      maxDataKeys: ctx.settings.MAX_DATA_KEYS,
    }),
  );
  return prepareImport(ctx, collector.items, collector.formats, collector.uploads.values(), collector.count);
}

/** Imports uploaded files (already on disk in the workspace), in request order. */
export async function importFiles(ctx: ProjectContext, files: InputFile[], work: ImportWorkspace, options: ImportOptions = {}): Promise<ImportResult> {
  return commitImport(ctx, await prepareFiles(ctx, files, work), options);
}

/** Downloads a URL into the workspace (from allowed addresses only) and imports it as a file of that name. */
export async function importUrl(ctx: ProjectContext, url: string, work: ImportWorkspace, options: ImportOptions = {}): Promise<ImportResult> {
  const file = await asImportError(() =>
    downloadUrl(url, {
      tempDir: work.tempDir,
      maxBytes: ctx.settings.MAX_UPLOAD_SIZE,
      timeoutMs: ctx.settings.URL_IMPORT_TIMEOUT_MS,
      allow: ctx.settings.FETCH_ALLOW,
      signal: options.signal,
    }),
  );
  return importFiles(ctx, [file], work, options);
}

export { newTaskRecords };

export async function storeNewTasks(ctx: ProjectContext, newTasks: NewTask[], formats: Record<string, number>, startedAt: number): Promise<ImportResult> {
  const now = Math.floor(Date.now() / 1000);
  // The store picks the first id (max + 1) in the same step as it takes the tasks.
  const ids = newTasks.length ? await ctx.store.addTasks((firstId) => newTaskRecords(newTasks, firstId, now)) : [];
  // Tasks that came with completions have completions files for a cloud target to write.
  ctx.cloud.targetChanged(ids.filter((_, i) => newTasks[i]!.completions?.length));
  return {
    task_count: ids.length,
    completion_count: newTasks.reduce((n, t) => n + (t.completions?.length ?? 0), 0),
    prediction_count: newTasks.reduce((n, t) => n + (t.predictions?.length ?? 0), 0),
    duration: Number(((performance.now() - startedAt) / 1000).toFixed(4)),
    formats,
    new_task_ids: ids,
  };
}
