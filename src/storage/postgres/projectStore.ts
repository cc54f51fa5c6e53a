// One project in PostgreSQL: the ProjectStore of store.ts over the tables of
// migrations/001_initial.sql. Tasks and completions files are stored as the JSON text
// they were given (reads parse it back), with the columns the indexes need derived in the
// same statement (derived.ts). Every change is one transaction.
//
// Locks, always taken in this order so that changes never deadlock: the project's
// id-allocation advisory lock (addTasks, creating a task, whole-project deletes) → task
// rows → data_keys → output_controls → output_labels → completion_marks → project_counts.
// Counter rows are written last and once, each batch of counter keys in sorted order.
import type { CompletionFile, JsonObject, ProjectSettings, SamplingMethod, Task } from '../../domain/types.ts';
import { DEFAULT_LABEL_CONFIG, defaultSettings } from '../defaults.ts';
import type {
  CompletionsChange,
  CompletionsState,
  ConfigFacts,
  NewTaskRecords,
  ProjectConfig,
  ProjectStore,
  StoredTask,
  TaskChange,
  TaskOrder,
  UploadStore,
} from '../store.ts';
import type { PostgresDatabase, Queryable } from './database.ts';
import { countOutputs, emptyOutputs, fileColumns, keyDeltas, NO_FILE, taskColumns, type OutputCounts } from './derived.ts';
import { peekNext, reserveNext, reserveSetup } from './next.ts';
import { pageSql } from './pages.ts';
import { PostgresUploads } from './uploads.ts';

export class ProjectNotFoundError extends Error {}

export interface PostgresProjectOptions {
  /** Create the project (default settings and config) when the database has none of that name. */
  create?: boolean;
  /** How long next() keeps a task for its annotator, in ms. */
  reservationMs: number;
}

interface TaskRow {
  id: number;
  task: string;
  file: string | null;
}

const parseStored = (row: TaskRow): StoredTask => (row.file === null ? { task: JSON.parse(row.task) as Task } : { task: JSON.parse(row.task) as Task, file: JSON.parse(row.file) as CompletionFile });

/** Rows per INSERT of addTasks: one statement of arrays (unnest), whatever the batch. */
const INSERT_CHUNK = 5000;
/** Rows per FETCH of an export's cursor. */
const EXPORT_BATCH = 500;
/** Tasks per read of taskData(). */
const TASK_DATA_BATCH = 1000;
/** Hashes per dataHashesPresent() query. */
const HASH_CHUNK = 10_000;

/**
 * A change of every row of a project (delete all): its statements may take longer than the
 * usual statement timeout on a large project, and are still bounded.
 */
const WHOLE_PROJECT = { setup: ["SET LOCAL statement_timeout = '10min'"], queryTimeoutMs: 10 * 60_000 + 5000 };

export class PostgresProjectStore implements ProjectStore {
  readonly uploads: UploadStore;
  private closed = false;

  private constructor(
    private readonly db: PostgresDatabase,
    readonly name: string,
    private readonly projectId: number,
    private readonly reservationMs: number,
    private readonly ownsDatabase: boolean,
  ) {
    this.uploads = new PostgresUploads(db, projectId);
  }

  /** Opens project `name` in db (creating it with the defaults when asked). */
  static async open(db: PostgresDatabase, name: string, options: PostgresProjectOptions, ownsDatabase = false): Promise<PostgresProjectStore> {
    const id = await db.transaction(async (c) => {
      if (options.create) {
        const made = await c.query<{ id: number }>(
          `INSERT INTO projects (name, settings, label_config) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING RETURNING id`,
          [name, JSON.stringify(defaultSettings()), DEFAULT_LABEL_CONFIG],
        );
        if (made.rows[0]) {
          await c.query('INSERT INTO project_counts (project_id) VALUES ($1)', [made.rows[0].id]);
          return made.rows[0].id;
        }
      }
      const found = await c.query<{ id: number }>('SELECT id FROM projects WHERE name = $1', [name]);
      return found.rows[0]?.id;
    });
    if (id === undefined) throw new ProjectNotFoundError(`No project ${name} in the database at STORE_URL (${db.description}).`);
    return new PostgresProjectStore(db, name, id, options.reservationMs, ownsDatabase);
  }

  get location(): string {
    return `${this.db.description} (project ${this.name})`;
  }

  private get pid(): number {
    if (this.closed) throw new Error(`Project ${this.name} is closed.`);
    return this.projectId;
  }

  // ---- settings and config ----

  async config(): Promise<ProjectConfig> {
    const { rows } = await this.db.query<{ settings: string; label_config: string }>('SELECT settings, label_config FROM projects WHERE id = $1', [this.pid]);
    const row = rows[0];
    if (!row) throw new ProjectNotFoundError(`Project ${this.name} is no longer in the database at STORE_URL (${this.db.description}).`);
    return { settings: JSON.parse(row.settings) as ProjectSettings, labelConfig: row.label_config };
  }

  async saveConfig(settings: ProjectSettings, labelConfig?: string): Promise<void> {
    await this.db.query('UPDATE projects SET settings = $2, label_config = COALESCE($3, label_config) WHERE id = $1', [this.pid, JSON.stringify(settings), labelConfig ?? null]);
  }

  /**
   * One statement (one snapshot), no scan: the task count is a counter; the common data
   * keys are the first task's keys whose counter equals the task count; the output facts
   * are the rows of the output counter tables, in the order they were first seen.
   */
  async configFacts(): Promise<ConfigFacts> {
    const { rows } = await this.db.query<{ task_count: number | null; first_task: string | null; common: string[]; controls: string[]; labels: string[] }>(
      `WITH counts AS (SELECT tasks FROM project_counts WHERE project_id = $1),
       first AS (SELECT task FROM tasks WHERE project_id = $1 ORDER BY id LIMIT 1),
       first_keys AS (
         SELECT json_object_keys(d) AS key FROM (SELECT task::json -> 'data' AS d FROM first) x WHERE json_typeof(d) = 'object'
       )
       SELECT (SELECT tasks FROM counts) AS task_count,
         (SELECT task FROM first) AS first_task,
         ARRAY(SELECT k.key FROM data_keys k WHERE k.project_id = $1 AND k.key IN (SELECT key FROM first_keys) AND k.tasks = (SELECT tasks FROM counts)) AS common,
         ARRAY(SELECT json_build_array(from_name, to_name, type)::text FROM output_controls WHERE project_id = $1 ORDER BY seq) AS controls,
         ARRAY(SELECT json_build_array(from_name, type, label)::text FROM output_labels WHERE project_id = $1 ORDER BY seq) AS labels`,
      [this.pid],
    );
    const row = rows[0]!;
    const common = new Set(row.common);
    const first = row.first_task === null ? undefined : (JSON.parse(row.first_task) as Task);
    return {
      taskCount: row.task_count ?? 0,
      // In the first task's key order, as the folder engine gives them.
      commonDataKeys: first ? Object.keys(first.data ?? {}).filter((k) => common.has(k)) : [],
      outputSchema: {
        controls: row.controls.map((t) => {
          const [fromName, toName, type] = JSON.parse(t) as string[];
          return { fromName: fromName!, toName: toName!, type: type! };
        }),
        labels: row.labels.map((t) => {
          const [fromName, type, label] = JSON.parse(t) as string[];
          return { fromName: fromName!, type: type!, label: label! };
        }),
      },
    };
  }

  /** In id order, a batch at a time by keyset (id > last), so no connection is held between batches. */
  async *taskData(): AsyncIterable<{ id: number; data: JsonObject }> {
    let after = -1;
    for (;;) {
      const { rows } = await this.db.query<{ id: number; task: string }>(
        'SELECT id, task FROM tasks WHERE project_id = $1 AND id > $2 ORDER BY id LIMIT $3',
        [this.pid, after, TASK_DATA_BATCH],
      );
      for (const r of rows) yield { id: r.id, data: (JSON.parse(r.task) as Task).data };
      if (rows.length < TASK_DATA_BATCH) return;
      after = rows[rows.length - 1]!.id;
    }
  }

  // ---- reads ----

  async counts(): Promise<{ tasks: number; completed: number }> {
    const { rows } = await this.db.query<{ tasks: number; completed: number }>('SELECT tasks, completed FROM project_counts WHERE project_id = $1', [this.pid]);
    return { tasks: rows[0]?.tasks ?? 0, completed: rows[0]?.completed ?? 0 };
  }

  async page(order: TaskOrder, offset: number, limit: number): Promise<StoredTask[]> {
    if (limit <= 0) return [];
    const { rows } = await this.db.query<TaskRow>(pageSql(order), [this.pid, Math.max(0, offset), limit]);
    return rows.map(parseStored);
  }

  async get(id: number): Promise<StoredTask | undefined> {
    const { rows } = await this.db.query<TaskRow>('SELECT id, task, file FROM tasks WHERE project_id = $1 AND id = $2', [this.pid, id]);
    return rows[0] && parseStored(rows[0]);
  }

  async completedIds(): Promise<number[]> {
    const { rows } = await this.db.query<{ id: number }>('SELECT id FROM tasks WHERE project_id = $1 AND completed ORDER BY id', [this.pid]);
    return rows.map((r) => r.id);
  }

  /**
   * A cursor in a REPEATABLE READ transaction: the files as they are at the first read,
   * fetched EXPORT_BATCH at a time. The connection is held until the iteration ends (or
   * is abandoned, which rolls back).
   */
  async *completionFiles(signal?: AbortSignal): AsyncIterable<CompletionFile> {
    signal?.throwIfAborted();
    const pid = this.pid;
    const held = await this.db.hold();
    const run = async (sql: string, params: unknown[] = []) => {
      try {
        return await held.client.query<{ file: string }>(sql, params);
      } catch (err) {
        throw held.fail(err);
      }
    };
    let clean = false;
    try {
      await run('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      // An export may be read slowly by its client; the session's idle limit is for stuck writers.
      await run('SET LOCAL idle_in_transaction_session_timeout = 0');
      await run('DECLARE export_files NO SCROLL CURSOR FOR SELECT file FROM tasks WHERE project_id = $1 AND completed ORDER BY id', [pid]);
      for (;;) {
        signal?.throwIfAborted();
        const { rows } = await run(`FETCH ${EXPORT_BATCH} FROM export_files`);
        for (const r of rows) {
          signal?.throwIfAborted();
          yield JSON.parse(r.file) as CompletionFile;
        }
        if (rows.length < EXPORT_BATCH) break;
      }
      await run('COMMIT');
      clean = true;
    } finally {
      if (!clean) clean = await run('ROLLBACK').then(() => true, () => false);
      held.done(clean ? undefined : true);
    }
  }

  async dataHashesPresent(hashes: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (let i = 0; i < hashes.length; i += HASH_CHUNK) {
      const { rows } = await this.db.query<{ data_hash: string }>(
        'SELECT DISTINCT data_hash FROM tasks WHERE project_id = $1 AND data_hash = ANY($2::text[])',
        [this.pid, hashes.slice(i, i + HASH_CHUNK)],
      );
      for (const r of rows) found.add(r.data_hash);
    }
    return found;
  }

  // ---- changes ----

  /** The project's id-allocation lock: (project id, 0) as a two-key advisory lock. */
  private async lockIds(c: Queryable): Promise<void> {
    await c.query('SELECT pg_advisory_xact_lock($1, 0)', [this.projectId]);
  }

  async sourceKeysSeen(uris: readonly string[]): Promise<Set<string>> {
    return this.seenKeys(this.db, uris);
  }

  private async seenKeys(c: Queryable, uris: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (let i = 0; i < uris.length; i += HASH_CHUNK) {
      const { rows } = await c.query<{ uri: string }>('SELECT uri FROM cloud_source_keys WHERE project_id = $1 AND uri = ANY($2::text[])', [this.pid, uris.slice(i, i + HASH_CHUNK)]);
      for (const r of rows) found.add(r.uri);
    }
    return found;
  }

  async addTasks(build: (firstId: number, seen: ReadonlySet<string>) => NewTaskRecords, sourceUris: readonly string[] = []): Promise<number[]> {
    const pid = this.pid;
    return this.db.transaction(async (c) => {
      await this.lockIds(c);
      const max = await c.query<{ max: number | null }>('SELECT max(id) AS max FROM tasks WHERE project_id = $1', [pid]);
      const firstId = max.rows[0]!.max === null ? 0 : max.rows[0]!.max! + 1;
      // Under the id lock: another server's sync of the same objects has committed or waits.
      const seen = sourceUris.length ? await this.seenKeys(c, sourceUris) : new Set<string>();
      const { tasks, files, sourceKeys } = build(firstId, seen);
      if (sourceKeys?.length) {
        await c.query(
          `INSERT INTO cloud_source_keys (project_id, uri, task_id)
           SELECT $1, u, t FROM unnest($2::text[], $3::bigint[]) AS k(u, t) ON CONFLICT (project_id, uri) DO NOTHING`,
          [pid, sourceKeys.map(([u]) => u), sourceKeys.map(([, t]) => t)],
        );
      }
      if (tasks.length === 0) return { ids: [], after: undefined };
      // Ascending from firstId; gaps are allowed (a project copied in keeps its ids).
      tasks.forEach((t, i) => {
        const least = i === 0 ? firstId : tasks[i - 1]!.id + 1;
        if (!Number.isSafeInteger(t.id) || t.id < least) throw new Error(`addTasks: task ${i} has id ${t.id}, expected ${least} or more`);
      });
      const ids = new Set(tasks.map((t) => t.id));
      const fileOf = new Map<number, CompletionFile>();
      for (const f of files) {
        if (!ids.has(f.id)) throw new Error(`addTasks: a completions file for task ${f.id}, not one of the tasks added`);
        fileOf.set(f.id, f);
      }
      for (let i = 0; i < tasks.length; i += INSERT_CHUNK) {
        await insertTasks(c, pid, tasks.slice(i, i + INSERT_CHUNK), fileOf);
      }
      const outputs = emptyOutputs();
      for (const f of fileOf.values()) countOutputs(outputs, f, 1);
      await bumpDataKeys(c, pid, keyDeltas(tasks, []));
      await bumpOutputs(c, pid, outputs);
      const after = await bumpCounts(c, pid, tasks.length, fileOf.size);
      return { ids: tasks.map((t) => t.id), after };
    }).then(({ ids, after }) => {
      if (ids.length && after !== undefined) this.db.afterGrowth(after - ids.length, after);
      return ids;
    });
  }

  async changeTask<T>(id: number, change: (current: StoredTask | undefined) => TaskChange<T>): Promise<T> {
    const pid = this.pid;
    return this.db.transaction(async (c) => {
      const select = () => c.query<TaskRow>('SELECT id, task, file FROM tasks WHERE project_id = $1 AND id = $2 FOR UPDATE', [pid, id]);
      let row = (await select()).rows[0];
      if (!row) {
        // Creating: under the id lock, so that an import running now cannot take this id.
        await this.lockIds(c);
        row = (await select()).rows[0];
      }
      const current = row && parseStored(row);
      const { task, file, value } = change(current);
      if (task.id !== id) throw new Error(`changeTask(${id}) returned task ${task.id}`);
      const tc = taskColumns(task);
      const taskText = JSON.stringify(task);
      if (current) {
        if (file === undefined) {
          await c.query('UPDATE tasks SET task = $3, score = $4, data_hash = $5 WHERE project_id = $1 AND id = $2', [pid, id, taskText, tc.score, tc.dataHash]);
        } else {
          const fc = fileColumns(file);
          await c.query(
            `UPDATE tasks SET task = $3, score = $4, data_hash = $5, file = $6, done_at = $7, cancelled = $8, max_completion_id = $9
             WHERE project_id = $1 AND id = $2`,
            [pid, id, taskText, tc.score, tc.dataHash, JSON.stringify(file), fc.doneAt, fc.cancelled, fc.maxCompletionId],
          );
        }
      } else {
        const fc = fileColumns(file);
        await c.query(
          `INSERT INTO tasks (project_id, id, task, score, data_hash, file, done_at, cancelled, max_completion_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [pid, id, taskText, tc.score, tc.dataHash, file === undefined ? null : JSON.stringify(file), fc.doneAt, fc.cancelled, fc.maxCompletionId],
        );
      }
      await bumpDataKeys(c, pid, keyDeltas([task], [current?.task]));
      if (file !== undefined) {
        const outputs = emptyOutputs();
        countOutputs(outputs, file, 1);
        countOutputs(outputs, current?.file, -1);
        await bumpOutputs(c, pid, outputs);
        // A replaced file's deleted completions keep their ids out of use.
        await raiseMark(c, pid, id, removedMaxId(current?.file, file), undefined);
      }
      await bumpCounts(c, pid, current ? 0 : 1, file !== undefined && !current?.file ? 1 : 0);
      return value;
    });
  }

  async deleteTask(id: number): Promise<boolean> {
    const pid = this.pid;
    return this.db.transaction(async (c) => {
      const { rows } = await c.query<TaskRow>('DELETE FROM tasks WHERE project_id = $1 AND id = $2 RETURNING id, task, file', [pid, id]);
      const row = rows[0];
      if (!row) return false;
      const { task, file } = parseStored(row);
      await bumpDataKeys(c, pid, keyDeltas([], [task]));
      if (file) {
        const outputs = emptyOutputs();
        countOutputs(outputs, file, -1);
        await bumpOutputs(c, pid, outputs);
        // The task's completion ids stay used, should a task of this id come again.
        await raiseMark(c, pid, id, fileColumns(file).maxCompletionId, undefined);
      }
      await bumpCounts(c, pid, -1, file ? -1 : 0);
      return true;
    });
  }

  async deleteAllTasks(): Promise<void> {
    const pid = this.pid;
    await this.db.transaction(async (c) => {
      await this.lockIds(c);
      await c.query('DELETE FROM tasks WHERE project_id = $1', [pid]);
      await c.query('DELETE FROM reservations WHERE project_id = $1', [pid]);
      await c.query('DELETE FROM data_keys WHERE project_id = $1', [pid]);
      await c.query('DELETE FROM output_controls WHERE project_id = $1', [pid]);
      await c.query('DELETE FROM output_labels WHERE project_id = $1', [pid]);
      // A project emptied of tasks starts over: ids from 0, no remembered completion ids.
      await c.query('DELETE FROM completion_marks WHERE project_id = $1', [pid]);
      // And the bucket is listed afresh by the next sync.
      await c.query('DELETE FROM cloud_source_keys WHERE project_id = $1', [pid]);
      await c.query('UPDATE project_counts SET tasks = 0, completed = 0 WHERE project_id = $1', [pid]);
    }, WHOLE_PROJECT);
  }

  async changeCompletions<T>(taskId: number, change: (current: CompletionsState) => CompletionsChange<T>): Promise<T | undefined> {
    const pid = this.pid;
    return this.db.transaction(async (c) => {
      const { rows } = await c.query<TaskRow & { mark: number | null }>(
        `SELECT t.id, t.task, t.file, m.mark FROM tasks t
         LEFT JOIN completion_marks m ON m.project_id = t.project_id AND m.task_id = t.id
         WHERE t.project_id = $1 AND t.id = $2 FOR UPDATE OF t`,
        [pid, taskId],
      );
      const row = rows[0];
      if (!row) return undefined;
      const current = parseStored(row);
      const mark = row.mark ?? 0;
      const highestId = Math.max(taskId * 1000, mark, fileColumns(current.file).maxCompletionId ?? 0);
      const r = change({ task: current.task, file: current.file, highestId });
      const sets: string[] = [];
      const params: unknown[] = [pid, taskId];
      if (r.file !== undefined) {
        const fc = r.file === null ? NO_FILE : fileColumns(r.file);
        params.push(r.file === null ? null : JSON.stringify(r.file), fc.doneAt, fc.cancelled, fc.maxCompletionId);
        sets.push('file = $3', 'done_at = $4', 'cancelled = $5', 'max_completion_id = $6');
      }
      if (r.release) sets.push('reserved_by = NULL', 'reserved_until = NULL');
      if (sets.length) await c.query(`UPDATE tasks SET ${sets.join(', ')} WHERE project_id = $1 AND id = $2`, params);
      if (r.file !== undefined) {
        const outputs = emptyOutputs();
        countOutputs(outputs, r.file, 1);
        countOutputs(outputs, current.file, -1);
        await bumpOutputs(c, pid, outputs);
      }
      const removed = r.file === undefined ? null : removedMaxId(current.file, r.file);
      await raiseMark(c, pid, taskId, Math.max(removed ?? 0, r.highestId ?? 0), mark);
      const completedDelta = r.file === undefined ? 0 : (r.file ? 1 : 0) - (current.file ? 1 : 0);
      await bumpCounts(c, pid, 0, completedDelta);
      return r.value;
    });
  }

  async completionIdMarks(): Promise<[number, number][]> {
    const { rows } = await this.db.query<{ task_id: number; mark: number }>('SELECT task_id, mark FROM completion_marks WHERE project_id = $1 ORDER BY task_id', [this.pid]);
    return rows.map((r) => [Number(r.task_id), Number(r.mark)]);
  }

  async rememberCompletionIds(marks: readonly (readonly [number, number])[]): Promise<void> {
    if (marks.length === 0) return;
    await this.db.query(
      `INSERT INTO completion_marks (project_id, task_id, mark)
       SELECT $1, t, m FROM unnest($2::bigint[], $3::bigint[]) AS u(t, m)
       ON CONFLICT (project_id, task_id) DO UPDATE SET mark = GREATEST(completion_marks.mark, excluded.mark)`,
      [this.pid, marks.map((m) => m[0]), marks.map((m) => m[1])],
    );
  }

  async deleteAllCompletions(): Promise<void> {
    const pid = this.pid;
    await this.db.transaction(async (c) => {
      await this.lockIds(c);
      // Their ids are never given again: each file's highest becomes its task's mark.
      await c.query(
        `INSERT INTO completion_marks (project_id, task_id, mark)
         SELECT project_id, id, max_completion_id FROM tasks
         WHERE project_id = $1 AND completed AND max_completion_id > 0
         ORDER BY id
         ON CONFLICT (project_id, task_id) DO UPDATE SET mark = GREATEST(completion_marks.mark, excluded.mark)`,
        [pid],
      );
      await c.query(
        `UPDATE tasks SET file = NULL, done_at = NULL, cancelled = NULL, max_completion_id = NULL
         WHERE project_id = $1 AND completed`,
        [pid],
      );
      await c.query('DELETE FROM output_controls WHERE project_id = $1', [pid]);
      await c.query('DELETE FROM output_labels WHERE project_id = $1', [pid]);
      await c.query('UPDATE project_counts SET completed = 0 WHERE project_id = $1', [pid]);
    }, WHOLE_PROJECT);
  }

  // ---- the label stream ----

  async next(annotator: string | undefined, sampling: SamplingMethod): Promise<StoredTask | undefined> {
    const pid = this.pid;
    // Without an annotator nothing is reserved: one plain read, no transaction.
    const picked =
      annotator === undefined
        ? await peekNext(this.db, pid, sampling)
        : await this.db.transaction((c) => reserveNext(c, pid, annotator, sampling, this.reservationMs), { setup: reserveSetup(pid, annotator) });
    return picked && { task: JSON.parse(picked.task) as Task };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsDatabase) await this.db.close();
  }
}

/** The highest completion id the old file had above the new one's (a completion deleted), or null. */
function removedMaxId(oldFile: CompletionFile | undefined, newFile: CompletionFile | null): number | null {
  const before = fileColumns(oldFile).maxCompletionId;
  if (before === null) return null;
  const after = newFile ? fileColumns(newFile).maxCompletionId : null;
  return after === null || before > after ? before : null;
}

/** Remembers `mark` as the task's highest completion id if it is above what is remembered. */
async function raiseMark(c: Queryable, pid: number, taskId: number, mark: number | null, known: number | undefined): Promise<void> {
  if (mark === null || mark <= 0 || (known !== undefined && mark <= known)) return;
  await c.query(
    `INSERT INTO completion_marks (project_id, task_id, mark) VALUES ($1, $2, $3)
     ON CONFLICT (project_id, task_id) DO UPDATE SET mark = GREATEST(completion_marks.mark, excluded.mark)`,
    [pid, taskId, mark],
  );
}

async function insertTasks(c: Queryable, pid: number, tasks: Task[], files: Map<number, CompletionFile>): Promise<void> {
  const n = tasks.length;
  const ids = new Array<number>(n);
  const texts = new Array<string>(n);
  const fileTexts = new Array<string | null>(n);
  const doneAt = new Array<number | null>(n);
  const cancelled = new Array<number | null>(n);
  const maxIds = new Array<number | null>(n);
  const scores = new Array<number | null>(n);
  const hashes = new Array<string>(n);
  tasks.forEach((t, i) => {
    const file = files.get(t.id);
    const tc = taskColumns(t);
    const fc = fileColumns(file);
    ids[i] = t.id;
    texts[i] = JSON.stringify(t);
    fileTexts[i] = file ? JSON.stringify(file) : null;
    doneAt[i] = fc.doneAt;
    cancelled[i] = fc.cancelled;
    maxIds[i] = fc.maxCompletionId;
    scores[i] = tc.score;
    hashes[i] = tc.dataHash;
  });
  // One statement of arrays: one parse and one round trip for the whole chunk.
  await c.query(
    `INSERT INTO tasks (project_id, id, task, file, done_at, cancelled, max_completion_id, score, data_hash)
     SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::text[], $5::float8[], $6::integer[], $7::bigint[], $8::float8[], $9::text[])`,
    [pid, ids, texts, fileTexts, doneAt, cancelled, maxIds, scores, hashes],
  );
}

/** Adds deltas to the data key counters (sorted keys: concurrent writers lock them in one order); zeros removed. */
async function bumpDataKeys(c: Queryable, pid: number, deltas: Map<string, number>): Promise<void> {
  if (deltas.size === 0) return;
  const keys = [...deltas.keys()].sort();
  await c.query(
    `INSERT INTO data_keys (project_id, key, tasks)
     SELECT $1, k, d FROM unnest($2::text[], $3::bigint[]) AS x(k, d)
     ON CONFLICT (project_id, key) DO UPDATE SET tasks = data_keys.tasks + excluded.tasks`,
    [pid, keys, keys.map((k) => deltas.get(k)!)],
  );
  if ([...deltas.values()].some((d) => d < 0)) {
    await c.query('DELETE FROM data_keys WHERE project_id = $1 AND key = ANY($2::text[]) AND tasks <= 0', [pid, keys]);
  }
}

async function bumpOutputs(c: Queryable, pid: number, counts: OutputCounts): Promise<void> {
  if (counts.controls.size) {
    const keys = [...counts.controls.keys()].sort();
    const triples = keys.map((k) => JSON.parse(k) as string[]);
    await c.query(
      `INSERT INTO output_controls (project_id, from_name, to_name, type, uses)
       SELECT $1, f, t, y, d FROM unnest($2::text[], $3::text[], $4::text[], $5::bigint[]) AS x(f, t, y, d)
       ON CONFLICT (project_id, from_name, to_name, type) DO UPDATE SET uses = output_controls.uses + excluded.uses`,
      [pid, triples.map((x) => x[0]), triples.map((x) => x[1]), triples.map((x) => x[2]), keys.map((k) => counts.controls.get(k)!)],
    );
    if ([...counts.controls.values()].some((d) => d < 0)) await c.query('DELETE FROM output_controls WHERE project_id = $1 AND uses <= 0 AND (from_name, to_name, type) IN (SELECT * FROM unnest($2::text[], $3::text[], $4::text[]))', [
      pid,
      triples.map((x) => x[0]),
      triples.map((x) => x[1]),
      triples.map((x) => x[2]),
    ]);
  }
  if (counts.labels.size) {
    const keys = [...counts.labels.keys()].sort();
    const triples = keys.map((k) => JSON.parse(k) as string[]);
    await c.query(
      `INSERT INTO output_labels (project_id, from_name, type, label, uses)
       SELECT $1, f, y, l, d FROM unnest($2::text[], $3::text[], $4::text[], $5::bigint[]) AS x(f, y, l, d)
       ON CONFLICT (project_id, from_name, type, label) DO UPDATE SET uses = output_labels.uses + excluded.uses`,
      [pid, triples.map((x) => x[0]), triples.map((x) => x[1]), triples.map((x) => x[2]), keys.map((k) => counts.labels.get(k)!)],
    );
    if ([...counts.labels.values()].some((d) => d < 0)) await c.query('DELETE FROM output_labels WHERE project_id = $1 AND uses <= 0 AND (from_name, type, label) IN (SELECT * FROM unnest($2::text[], $3::text[], $4::text[]))', [
      pid,
      triples.map((x) => x[0]),
      triples.map((x) => x[1]),
      triples.map((x) => x[2]),
    ]);
  }
}

/** Adds to the project's counters; returns the new task count (undefined when nothing changed). */
async function bumpCounts(c: Queryable, pid: number, tasks: number, completed: number): Promise<number | undefined> {
  if (tasks === 0 && completed === 0) return undefined;
  const { rows } = await c.query<{ tasks: number }>('UPDATE project_counts SET tasks = tasks + $2, completed = completed + $3 WHERE project_id = $1 RETURNING tasks', [pid, tasks, completed]);
  return rows[0]?.tasks;
}
