// The store of one project: the domain operations the services need, async, the same for
// every engine. The engines: project folders in Label Studio 0.8's layout (storage/folder/,
// the default) and PostgreSQL (storage/postgres/, STORE_URL=postgres://...), which lets
// several server processes serve the same projects.
//
// What must be decided in one step across annotators and processes is decided inside the
// engine, never by a caller reading and then writing: task ids (max + 1, as 0.8), the
// reservation that goes with a task handed out by next(), and every read-modify-write of a
// task or of its completions (changeTask and changeCompletions run the caller's pure
// function while the engine holds the task: nothing else runs in one process, the row is
// locked in PostgreSQL). The rules of what a change may be stay in the services, in those
// functions.
//
// Errors: a change the engine cannot make durable rejects with an AppError of the catalogue
// (disk_full, storage_unavailable), after which nothing of it is visible.
import type { Readable } from 'node:stream';
import type { CompletionFile, JsonObject, ProjectSettings, SamplingMethod, Task } from '../domain/types.ts';

export type TaskOrder = 'id' | '-id' | 'completed_at' | '-completed_at' | 'has_cancelled_completions' | '-has_cancelled_completions';
export const TASK_ORDERS: readonly TaskOrder[] = ['id', '-id', 'completed_at', '-completed_at', 'has_cancelled_completions', '-has_cancelled_completions'];

/**
 * A task as stored: its tasks.json entry, and its completions file when it has one (a task
 * with a file is "completed" in 0.8's sense, whatever the file holds). Both come back as
 * the JSON they were given; completion files are given with their keys sorted (0.8's layout,
 * which the folder engine writes).
 */
export interface StoredTask {
  task: Task;
  file?: CompletionFile;
}

/** config.json and config.xml. */
export interface ProjectConfig {
  settings: ProjectSettings;
  labelConfig: string;
}

/** Output facts of stored completions: (from_name, to_name, type) triples and labels used. */
export interface OutputSchema {
  controls: { fromName: string; toName: string; type: string }[];
  labels: { fromName: string; type: string; label: string }[];
}

/** What config validation needs to know of the stored tasks and completions. */
export interface ConfigFacts {
  taskCount: number;
  /** Data keys every task has ([] when there are no tasks). */
  commonDataKeys: string[];
  outputSchema: OutputSchema;
}

/** What a task change returns: the new task (and its file's new copy), and the caller's value. */
export interface TaskChange<T> {
  task: Task;
  /** The completions file rewritten with the task (its copy of the data); undefined: unchanged. */
  file?: CompletionFile;
  value: T;
}

/** What changeCompletions hands to the change: the task, its file, the highest completion id ever given. */
export interface CompletionsState {
  task: Task;
  file?: CompletionFile;
  /**
   * The highest completion id the task has had: task id * 1000 at least, the ids in its
   * file, and ids of deleted completions (never given again).
   */
  highestId: number;
}

export interface CompletionsChange<T> {
  /** The new file; null removes it (the task is back in the stream); undefined: unchanged. */
  file?: CompletionFile | null;
  /**
   * The highest id to remember apart from the file: pass state.highestId when deleting
   * completions, so their ids are never given again (ids in the file are found there).
   */
  highestId?: number;
  /** Free the task's reservation (a submit or skip ends the annotator's hold). */
  release?: boolean;
  value: T;
}

/** A file stored under upload/ (folder) or in the database, served at /data/upload/<name>. */
export interface StoredUpload {
  size: number;
  modified: Date;
  /** The bytes from start to end inclusive (the whole file by default). */
  stream(start?: number, end?: number): Readable;
}

/** Files imported into the project, named by content (<hash>-<name>). */
export interface UploadStore {
  /** Stores each temporary file under its name, durably; returns the names that were not there before. */
  put(files: readonly { name: string; tempPath: string }[]): Promise<string[]>;
  /** Removes files an import added before it failed. */
  remove(names: readonly string[]): Promise<void>;
  /** A stored file, or undefined (names that would leave upload/ are never found). */
  get(name: string): Promise<StoredUpload | undefined>;
  /** The names of every stored file (copying a project between engines). */
  list(): AsyncIterable<string>;
}

/**
 * What addTasks stores in one change: tasks.json entries, the completions files of those
 * that came with completions, and, for a cloud source sync, the objects it accounts for.
 */
export interface NewTaskRecords {
  tasks: Task[];
  files: CompletionFile[];
  /**
   * Cloud source objects (their s3:// or gs:// URI) this change accounts for: the task
   * made of each, or null for an object that was refused (not a task the config can
   * show). Remembered with the tasks, in the same change, so a sync is incremental and a
   * crash between "task stored" and "key seen" cannot happen (src/cloud/sourceSync.ts).
   */
  sourceKeys?: [uri: string, taskId: number | null][];
}

export interface ProjectStore {
  /** The project's name (its folder name). */
  readonly name: string;
  /** Where it lives, for messages and GET /api/project: its folder, or the database and project. */
  readonly location: string;

  // ---- settings and config ----
  config(): Promise<ProjectConfig>;
  /** Replaces config.json (and config.xml when given) together. */
  saveConfig(settings: ProjectSettings, labelConfig?: string): Promise<void>;
  configFacts(): Promise<ConfigFacts>;
  /** Every task's id and data, in id order (re-checking values when a data key changes tag). */
  taskData(): AsyncIterable<{ id: number; data: JsonObject }>;

  // ---- reads ----
  counts(): Promise<{ tasks: number; completed: number }>;
  /**
   * One page of tasks in an order of the task list: ties in id order; tasks without a
   * completion time after those with one; unlabeled tasks last in the completion orders.
   */
  page(order: TaskOrder, offset: number, limit: number): Promise<StoredTask[]>;
  get(id: number): Promise<StoredTask | undefined>;
  /** Ids of tasks with a completions file, ascending. */
  completedIds(): Promise<number[]>;
  /**
   * The completions files in ascending task id, as they are when the iteration starts
   * (later changes do not show up half-way). Stops with the signal's reason once it fires.
   */
  completionFiles(signal?: AbortSignal): AsyncIterable<CompletionFile>;
  /** Which of these data hashes (dataHash of importers/dedupe.ts) stored tasks have. */
  dataHashesPresent(hashes: readonly string[]): Promise<Set<string>>;

  // ---- changes ----
  /**
   * Adds tasks as one all-or-nothing change. `build` gets the first free id (the highest
   * id + 1, or 0, as 0.8) and returns the tasks with ascending ids from it (consecutive for
   * an import; a project copied in keeps its gaps), and the completions files of those that
   * came with completions (and the cloud objects they were made of). Returns the ids.
   */
  addTasks(build: (firstId: number, seen: ReadonlySet<string>) => NewTaskRecords, sourceUris?: readonly string[]): Promise<number[]>;
  /**
   * Which of these cloud object URIs a source sync has accounted for (made a task of, or
   * refused). O(uris given), whatever the project's size. addTasks looks them up again
   * inside its change (the `seen` it passes to build, among `sourceUris`), so two servers
   * syncing one bucket into one PostgreSQL project never both make a task of one object.
   * deleteAllTasks forgets them (the bucket is listed afresh); deleteTask does not (a
   * deleted task does not come back at the next sync).
   */
  sourceKeysSeen(uris: readonly string[]): Promise<Set<string>>;
  /** Creates or replaces task `id`, atomically with reading it; `change` may throw to refuse. */
  changeTask<T>(id: number, change: (current: StoredTask | undefined) => TaskChange<T>): Promise<T>;
  /** Deletes a task and its completions file; false when there was none. */
  deleteTask(id: number): Promise<boolean>;
  /** Deletes every task: ids start from 0 again, remembered completion ids are forgotten. */
  deleteAllTasks(): Promise<void>;
  /** Changes one task's completions atomically; undefined (change not run) when the task does not exist. */
  changeCompletions<T>(taskId: number, change: (current: CompletionsState) => CompletionsChange<T>): Promise<T | undefined>;
  /** Deletes every completions file; their ids are never given again. */
  deleteAllCompletions(): Promise<void>;

  // ---- copying a project between engines ----
  /** The completion ids remembered apart from the files (of deleted completions and tasks). */
  completionIdMarks(): Promise<[taskId: number, highestId: number][]>;
  /** Remembers such ids (a project copied in); a higher mark already there is kept. */
  rememberCompletionIds(marks: readonly (readonly [taskId: number, highestId: number])[]): Promise<void>;

  // ---- the label stream ----
  /**
   * The next task for an annotator, reserved for them (reservationMs) in the same step, so
   * no two annotators (in any process) get one task. The annotator's own live reservation
   * comes first (asking again renews it); without an annotator nothing is reserved, and
   * tasks others hold are still skipped. undefined when no unlabeled task is free.
   */
  next(annotator: string | undefined, sampling: SamplingMethod): Promise<StoredTask | undefined>;

  // ---- files ----
  readonly uploads: UploadStore;

  /** Finishes writes in flight, writes a checkpoint (folder engine) and lets go of the project. */
  close(options?: { checkpoint?: boolean }): Promise<void>;
}
