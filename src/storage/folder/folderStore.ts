// The folder engine of the store (store.ts): a folder in the Label Studio 0.8 layout plus a
// journal. Every change is applied to memory at once (so the request that made it, and the
// next one, see it) and acknowledged once its journal record is on disk; a record that
// cannot be written is undone first. Checkpoints fold the journal back into the 0.8 files
// beside traffic. Reads come from ProjectState, in memory.
import { mkdir, readFile, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { CompletionFile, JsonObject, ProjectSettings, SamplingMethod, Task } from '../../domain/types.ts';
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
import { pickNextTask } from '../../sampling/next.ts';
import { Reservations } from '../../sampling/reservations.ts';
import { FolderUploads } from './uploads.ts';
import { completionFileText } from '../../util/json.ts';
import { forEachLimit } from '../../util/pool.ts';
import { fsyncDir, writeFileAtomic } from './atomicFile.ts';
import { readCompletionFiles, readJsonObjectFile, readTaskFacts, readTasksFile, stampedPieces, tasksFilePieces, writeTaskFacts } from './checkpoint.ts';
import { defaultSettings, DEFAULT_LABEL_CONFIG, withDefaults } from '../defaults.ts';
import { DamagedFileError, Journal, readJournal, type Undo } from './journal.ts';
import { isSystemError, storageError } from '../../errors.ts';
import { acquireLock } from './lock.ts';
import { ProjectState } from './projectState.ts';

export const FILES = {
  settings: 'config.json',
  labelConfig: 'config.xml',
  tasks: 'tasks.json',
  completions: 'completions',
  upload: 'upload',
  journal: 'journal.jsonl',
  previousJournal: 'journal.prev.jsonl',
  completionIdMarks: 'completion-id-marks.json',
  /** What the indexes need of the tasks in tasks.json, and that file's size and CRC-32: a start that finds the same file need not parse it. */
  taskFacts: 'tasks.facts.json',
  /** The cloud source objects accounted for: {"s3://bucket/key": task id or null}, one a line. */
  sourceKeys: 'cloud-source-keys.json',
} as const;

/** One journal record: the whole new state of what changed. */
type JournalRecord =
  | { t: 'config'; settings: ProjectSettings; labelConfig?: string }
  | { t: 'tasks'; tasks: Task[]; files?: CompletionFile[]; keys?: [string, number | null][] }
  | { t: 'task'; task: Task }
  | { t: 'deltask'; id: number; mark?: number }
  | { t: 'clear' }
  | { t: 'file'; file: CompletionFile; mark?: number }
  | { t: 'delfile'; id: number; mark?: number }
  | { t: 'clearfiles' }
  | { t: 'marks'; marks: [number, number][] };

export interface OpenOptions {
  /** Create the folder with default files when it does not exist. */
  create?: boolean;
  /** Journal size that starts a checkpoint. */
  checkpointBytes?: number;
  onCheckpointError?: (err: Error) => void;
  /** A journal write failed (disk full, I/O error); called once until writes work again. */
  onWriteFailure?: (err: Error) => void;
  /** Journal writes work again after a failure. */
  onWriteRecovery?: () => void;
  /** Opens the journal for appending; tests wrap the handle to inject write faults. */
  openJournalFile?: (path: string) => Promise<FileHandle>;
  /** How long next() keeps a task for the annotator it was handed to (RESERVATION_SECONDS). */
  reservationMs?: number;
}

export class ProjectNotFoundError extends Error {}

export class FolderStore implements ProjectStore {
  /** In memory, what every read is served from. Tests of this engine read it; nothing else does. */
  readonly state = new ProjectState();
  readonly uploads: UploadStore;
  /** Who holds which task (process-local: this engine has one process per folder, the lock sees to that). */
  private readonly reservations: Reservations;
  private journal!: Journal;
  private releaseLock!: () => Promise<void>;
  /** Completion files that differ from disk; paths of those on disk (0.8 allows sub-folders). */
  private dirtyFiles = new Set<number>();
  private filesOnDisk = new Map<number, string>();
  private tasksDirty = false;
  private marksDirty = false;
  /**
   * The cloud source objects a sync has accounted for (store.ts sourceKeysSeen): URI →
   * task id, or null when refused. In memory like the tasks, journaled with the tasks made
   * of them, checkpointed to cloud-source-keys.json. Label Studio 0.8 kept a source.json
   * (id → key) that it rebuilt from a full listing; this map is what lets a sync cost
   * only the new objects.
   */
  private sourceKeys = new Map<string, number | null>();
  private sourceKeysDirty = false;
  private checkpointRunning: Promise<void> | null = null;
  /**
   * A checkpoint failed after rotating the journal: journal.prev.jsonl is still needed. The
   * next checkpoint writes the files again without rotating (a rotation would overwrite it),
   * then removes it.
   */
  private previousJournalPending = false;
  /** Journal size that starts the next checkpoint (pushed further after a failed one). */
  private checkpointAtBytes = 0;
  private closed = false;
  /** Whether this start took tasks.json for the one the last checkpoint wrote (tasks.facts.json), unparsed. */
  tasksFileKnown = false;
  private configWrites: Promise<void> = Promise.resolve();

  private constructor(
    readonly dir: string,
    readonly name: string,
    private readonly options: OpenOptions,
  ) {
    this.uploads = new FolderUploads(this.path(FILES.upload));
    this.reservations = new Reservations(options.reservationMs ?? 600_000);
  }

  private get checkpointBytes(): number {
    return this.options.checkpointBytes ?? 64 * 1024 * 1024;
  }

  static async open(dir: string, name: string, options: OpenOptions = {}): Promise<FolderStore> {
    const store = new FolderStore(dir, name, options);
    store.checkpointAtBytes = store.checkpointBytes;
    await store.load();
    return store;
  }

  private path(file: string): string {
    return join(this.dir, file);
  }

  private async load(): Promise<void> {
    const fresh = !(await stat(this.path(FILES.settings)).then(
      () => true,
      () => false,
    ));
    if (fresh) {
      if (!this.options.create) throw new ProjectNotFoundError(`No project at ${this.dir} (no ${FILES.settings}).`);
      await mkdir(this.dir, { recursive: true });
    }
    this.releaseLock = await acquireLock(this.dir);
    try {
      if (fresh) await this.initFiles();
      await this.readCheckpoint();
      const prevPath = this.path(FILES.previousJournal);
      const hadPrev = await stat(prevPath).then(
        () => true,
        () => false,
      );
      for (const r of await readJournal(prevPath)) this.replay(r as JournalRecord);
      for (const r of await readJournal(this.path(FILES.journal))) this.replay(r as JournalRecord);
      if (hadPrev) {
        // A checkpoint was cut short: finish it now, before anything new is written.
        this.tasksDirty = true;
        await this.writeCheckpointFiles(this.takeSnapshot());
        await unlink(this.path(FILES.journal)).catch(() => {});
        await unlink(prevPath);
        await fsyncDir(this.dir);
      }
      this.journal = await Journal.open(this.path(FILES.journal), {
        onFailure: (err) => this.options.onWriteFailure?.(this.asStorageError(err)),
        onRecovery: () => this.options.onWriteRecovery?.(),
      }, this.options.openJournalFile);
    } catch (err) {
      await this.releaseLock();
      throw err;
    }
  }

  private async initFiles(): Promise<void> {
    await mkdir(this.path(FILES.completions), { recursive: true });
    await writeFileAtomic(this.path(FILES.labelConfig), DEFAULT_LABEL_CONFIG);
    await writeFileAtomic(this.path(FILES.tasks), '{}');
    // config.json last: its presence marks a complete project folder.
    await writeFileAtomic(this.path(FILES.settings), JSON.stringify(defaultSettings(), null, 2));
  }

  private async readCheckpoint(): Promise<void> {
    const settings = await readJsonObjectFile(this.path(FILES.settings));
    this.state.settings = withDefaults((settings ?? {}) as ProjectSettings);
    this.state.labelConfig = await readFile(this.path(FILES.labelConfig), 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return '<View></View>';
      throw err;
    });
    // Completion files first, so tasks are indexed as completed as they arrive.
    await readCompletionFiles(this.path(FILES.completions), (file, rel) => {
      if (this.state.hasFile(file.id)) {
        throw new DamagedFileError(`Cannot open the project: two completion files for task ${file.id} (${this.filesOnDisk.get(file.id)} and ${rel}).`);
      }
      this.state.putFile(file);
      this.filesOnDisk.set(file.id, rel);
    });
    const facts = await readTaskFacts(this.path(FILES.taskFacts));
    // Capped: the file says how many, but a damaged one must not make us ask for the moon.
    if (facts && Number.isInteger(facts.facts.count)) this.state.reserveTasks(Math.min(Math.max(0, facts.facts.count), 1 << 26));
    const known = await readTasksFile(this.path(FILES.tasks), (task, text) => this.state.putTask(task, text), undefined, {
      onLine: (task, buffer, start, end) => this.state.putTaskLine(task, buffer, start, end),
      known: facts?.stamp,
      onKnownLine: (id, buffer, start, end) => this.state.putKnownTaskLine(id, buffer, start, end),
      onKnownMismatch: () => this.state.forgetTasks(),
    });
    if (known) this.state.restoreTaskFacts(facts!.facts);
    this.tasksFileKnown = known;
    const marks = await readJsonObjectFile(this.path(FILES.completionIdMarks));
    for (const [k, v] of Object.entries(marks ?? {})) if (typeof v === 'number') this.state.completionIdMarks.set(Number(k), v);
    const keys = await readJsonObjectFile(this.path(FILES.sourceKeys));
    for (const [k, v] of Object.entries(keys ?? {})) this.sourceKeys.set(k, typeof v === 'number' ? v : null);
  }

  /** Applies one record to memory and notes what the next checkpoint must write. */
  private replay(r: JournalRecord): void {
    const s = this.state;
    switch (r.t) {
      case 'config':
        s.settings = r.settings;
        if (r.labelConfig !== undefined) s.labelConfig = r.labelConfig;
        return;
      case 'tasks':
        for (const t of r.tasks) s.putTask(t);
        for (const f of r.files ?? []) this.replay({ t: 'file', file: f });
        if (r.keys?.length) {
          for (const [uri, id] of r.keys) this.sourceKeys.set(uri, id);
          this.sourceKeysDirty = true;
        }
        if (r.tasks.length) this.tasksDirty = true;
        return;
      case 'task':
        s.putTask(r.task);
        this.tasksDirty = true;
        return;
      case 'deltask':
        s.deleteTask(r.id);
        if (r.mark !== undefined) this.setMark(r.id, r.mark);
        this.dirtyFiles.add(r.id);
        this.tasksDirty = true;
        return;
      case 'clear':
        for (const id of s.fileIdsUnordered()) this.dirtyFiles.add(id);
        for (const id of this.filesOnDisk.keys()) this.dirtyFiles.add(id);
        s.clearTasks();
        this.sourceKeys.clear();
        this.sourceKeysDirty = true;
        this.tasksDirty = true;
        this.marksDirty = true;
        return;
      case 'file':
        s.putFile(r.file);
        if (r.mark !== undefined) this.setMark(r.file.id, r.mark);
        this.dirtyFiles.add(r.file.id);
        return;
      case 'delfile':
        s.deleteFile(r.id);
        if (r.mark !== undefined) this.setMark(r.id, r.mark);
        this.dirtyFiles.add(r.id);
        return;
      case 'marks':
        for (const [id, mark] of r.marks) if (mark > (s.completionIdMarks.get(id) ?? 0)) this.setMark(id, mark);
        return;
      case 'clearfiles':
        for (const id of s.fileIdsUnordered()) this.dirtyFiles.add(id);
        for (const id of this.filesOnDisk.keys()) this.dirtyFiles.add(id);
        s.clearFiles();
        this.marksDirty = true;
        return;
    }
  }

  private setMark(taskId: number, mark: number): void {
    this.state.completionIdMarks.set(taskId, mark);
    this.marksDirty = true;
  }

  /** Applies a change now and resolves when it is durable. */
  private commit(record: JournalRecord): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`Project ${this.name} is closed.`));
    // Serialized before memory changes: a record that cannot be written changes nothing.
    let line: string;
    try {
      line = JSON.stringify(record);
    } catch (err) {
      return Promise.reject(err);
    }
    // Memory changes now, so the next request builds on this one (ids, completion files);
    // if the record cannot be written the journal undoes it (and everything queued after
    // it) before anyone is told, so a failed write leaves nothing visible.
    const undo = this.undoFor(record);
    this.replay(record);
    const done = this.journal.append(line, undo).catch((err: unknown) => {
      throw this.asStorageError(err);
    });
    if (this.journal.bytes >= this.checkpointAtBytes && !this.checkpointRunning) {
      void done.then(() => this.checkpoint()).catch((err: Error) => this.options.onCheckpointError?.(err));
    }
    return done;
  }

  /** A failed system call as the client sees it: 507 when the disk is full, else 503. */
  private asStorageError(err: unknown): Error {
    return isSystemError(err) ? storageError(err, this.dir) : (err as Error);
  }

  /** What puts memory back as it was before `r` (run if r's journal write fails). */
  private undoFor(r: JournalRecord): Undo {
    const s = this.state;
    switch (r.t) {
      case 'config': {
        const { settings, labelConfig } = s;
        return () => {
          s.settings = settings;
          s.labelConfig = labelConfig;
        };
      }
      case 'tasks': {
        const entities = this.restoreEntities([...r.tasks.map((t) => t.id), ...(r.files ?? []).map((f) => f.id)]);
        const keys = (r.keys ?? []).map(([uri]) => [uri, this.sourceKeys.get(uri)] as const);
        return () => {
          entities();
          for (const [uri, id] of keys) {
            if (id === undefined) this.sourceKeys.delete(uri);
            else this.sourceKeys.set(uri, id);
          }
          this.sourceKeysDirty = true;
        };
      }
      case 'task':
        return this.restoreEntities([r.task.id]);
      case 'deltask':
      case 'file':
      case 'delfile':
        return this.restoreEntities([r.t === 'file' ? r.file.id : r.id]);
      case 'marks':
        return this.restoreEntities(r.marks.map(([id]) => id));
      case 'clear':
      case 'clearfiles': {
        // Rare and whole-project: keep the maps as they are (references, not copies).
        const tasks = s.page('id', 0, s.taskCount).map((id) => s.task(id)!);
        const files = [...s.fileIdsUnordered()].map((id) => s.file(id)!);
        const marks = [...s.completionIdMarks];
        const keys = r.t === 'clear' ? new Map(this.sourceKeys) : undefined;
        return () => {
          if (keys) {
            this.sourceKeys = keys;
            this.sourceKeysDirty = true;
          }
          s.clearTasks();
          for (const f of files) s.putFile(f);
          for (const t of tasks) s.putTask(t);
          for (const [id, m] of marks) s.completionIdMarks.set(id, m);
          for (const f of files) this.dirtyFiles.add(f.id);
          this.tasksDirty = true;
          this.marksDirty = true;
        };
      }
    }
  }

  /** Undo for records that touch these ids: each task, completion file and id mark as now. */
  private restoreEntities(ids: number[]): Undo {
    const s = this.state;
    const before = ids.map((id) => ({ id, task: s.task(id), file: s.file(id), mark: s.completionIdMarks.get(id) }));
    return () => {
      for (const { id, task, file, mark } of before) {
        s.deleteTask(id); // the task and its file, if any
        if (file) s.putFile(file);
        if (task) s.putTask(task);
        if (mark === undefined) s.completionIdMarks.delete(id);
        else s.completionIdMarks.set(id, mark);
        this.dirtyFiles.add(id);
      }
      this.tasksDirty = true;
      this.marksDirty = true;
    };
  }

  // ---- the store's interface (store.ts) ----

  get location(): string {
    return this.dir;
  }

  async config(): Promise<ProjectConfig> {
    return { settings: this.state.settings, labelConfig: this.state.labelConfig };
  }

  /** Replaces config.json (and config.xml when given) together. */
  async saveConfig(settings: ProjectSettings, labelConfig?: string): Promise<void> {
    await this.commit(labelConfig === undefined ? { t: 'config', settings } : { t: 'config', settings, labelConfig });
    // Written through at once as well, so the folder reads right at any time. The change
    // is durable in the journal already: if these files cannot be written now (a full
    // disk), the request still succeeded, and the next checkpoint writes them.
    await this.writeConfigFiles().catch((err: Error) => this.options.onCheckpointError?.(err));
  }

  async configFacts(): Promise<ConfigFacts> {
    const s = this.state;
    return { taskCount: s.taskCount, commonDataKeys: s.commonDataKeys(), outputSchema: s.outputSchema() };
  }

  async *taskData(): AsyncIterable<{ id: number; data: JsonObject }> {
    const s = this.state;
    for (const id of s.page('id', 0, s.taskCount)) {
      const task = s.task(id);
      if (task) yield { id, data: task.data };
    }
  }

  async counts(): Promise<{ tasks: number; completed: number }> {
    return { tasks: this.state.taskCount, completed: this.state.completedCount };
  }

  private stored(id: number): StoredTask | undefined {
    const task = this.state.task(id);
    if (!task) return undefined;
    const file = this.state.file(id);
    return file ? { task, file } : { task };
  }

  async page(order: TaskOrder, offset: number, limit: number): Promise<StoredTask[]> {
    return this.state.page(order, offset, limit).map((id) => this.stored(id)!);
  }

  async get(id: number): Promise<StoredTask | undefined> {
    return this.stored(id);
  }

  async completedIds(): Promise<number[]> {
    const s = this.state;
    return s.fileIds().filter((id) => s.hasTask(id));
  }

  /**
   * The snapshot holds references only: the store replaces a file's object on every change,
   * it never edits one, so later writes do not show up half-way. Yields to the event loop
   * every 500 files, so the server keeps answering during an export.
   */
  async *completionFiles(signal?: AbortSignal): AsyncIterable<CompletionFile> {
    const s = this.state;
    const snapshot = s.fileIds().map((id) => s.fileText(id)!);
    for (let i = 0; i < snapshot.length; i++) {
      signal?.throwIfAborted();
      yield JSON.parse(snapshot[i]!) as CompletionFile;
      if (i % 500 === 499) await new Promise((r) => setImmediate(r));
    }
  }

  async dataHashesPresent(hashes: readonly string[]): Promise<Set<string>> {
    return this.state.hashesPresent(hashes);
  }

  /** The id the next imported task gets: max existing id + 1, or 0 (as 0.8). */
  private nextTaskId(): number {
    const max = this.state.maxTaskId();
    return max === undefined ? 0 : max + 1;
  }

  async addTasks(build: (firstId: number, seen: ReadonlySet<string>) => NewTaskRecords, sourceUris: readonly string[] = []): Promise<number[]> {
    // Built and committed in one synchronous run: no other change can take these ids.
    const seen = new Set(sourceUris.filter((u) => this.sourceKeys.has(u)));
    const { tasks, files, sourceKeys } = build(this.nextTaskId(), seen);
    if (tasks.length === 0 && !sourceKeys?.length) return [];
    await this.commit(sourceKeys?.length ? { t: 'tasks', tasks, files, keys: sourceKeys } : { t: 'tasks', tasks, files });
    return tasks.map((t) => t.id);
  }

  async sourceKeysSeen(uris: readonly string[]): Promise<Set<string>> {
    return new Set(uris.filter((u) => this.sourceKeys.has(u)));
  }

  async changeTask<T>(id: number, change: (current: StoredTask | undefined) => TaskChange<T>): Promise<T> {
    const { task, file, value } = change(this.stored(id));
    if (task.id !== id) throw new Error(`changeTask(${id}) returned task ${task.id}`);
    // A task and its completions file's copy of it change in one record.
    await this.commit(file ? { t: 'tasks', tasks: [task], files: [file] } : { t: 'task', task });
    return value;
  }

  async deleteTask(id: number): Promise<boolean> {
    if (!this.state.hasTask(id)) return false;
    // A task made again under this id must not get the deleted completions' ids.
    const highest = this.highestCompletionId(id);
    await this.commit(highest > id * 1000 ? { t: 'deltask', id, mark: highest } : { t: 'deltask', id });
    this.reservations.release(id);
    return true;
  }

  async deleteAllTasks(): Promise<void> {
    await this.commit({ t: 'clear' });
    this.reservations.clear();
  }

  private highestCompletionId(taskId: number): number {
    let max = Math.max(taskId * 1000, this.state.completionIdMarks.get(taskId) ?? 0);
    for (const c of this.state.file(taskId)?.completions ?? []) if (typeof c.id === 'number' && c.id > max) max = c.id;
    return max;
  }

  async changeCompletions<T>(taskId: number, change: (current: CompletionsState) => CompletionsChange<T>): Promise<T | undefined> {
    const stored = this.stored(taskId);
    if (!stored) return undefined;
    const before = this.highestCompletionId(taskId);
    const r = change({ ...stored, highestId: before });
    // Ids the new file no longer holds stay used: remembered apart from the file when the
    // file alone would no longer show them (a completion deleted, the file removed).
    const inNewFile = r.file ? Math.max(taskId * 1000, ...r.file.completions.map((c) => (typeof c.id === 'number' ? c.id : 0))) : taskId * 1000;
    const wanted = Math.max(r.highestId ?? 0, r.file === undefined ? 0 : before);
    const mark = wanted > inNewFile && wanted > (this.state.completionIdMarks.get(taskId) ?? 0) ? wanted : undefined;
    if (r.file === null) await this.commit(mark === undefined ? { t: 'delfile', id: taskId } : { t: 'delfile', id: taskId, mark });
    else if (r.file) await this.commit(mark === undefined ? { t: 'file', file: r.file } : { t: 'file', file: r.file, mark });
    else if (mark !== undefined) await this.commit({ t: 'marks', marks: [[taskId, mark]] });
    if (r.release) this.reservations.release(taskId);
    return r.value;
  }

  async deleteAllCompletions(): Promise<void> {
    await this.commit({ t: 'clearfiles' });
  }

  async completionIdMarks(): Promise<[number, number][]> {
    return [...this.state.completionIdMarks].sort((a, b) => a[0] - b[0]);
  }

  async rememberCompletionIds(marks: readonly (readonly [number, number])[]): Promise<void> {
    if (marks.length) await this.commit({ t: 'marks', marks: marks.map(([id, m]) => [id, m]) });
  }

  async next(annotator: string | undefined, sampling: SamplingMethod): Promise<StoredTask | undefined> {
    const s = this.state;
    const res = this.reservations;
    if (annotator !== undefined) {
      const held = res.heldBy(annotator);
      if (held !== undefined && s.hasTask(held) && !s.isCompleted(held)) {
        res.reserve(held, annotator); // asking again renews the hold
        return this.stored(held);
      }
    }
    const id = pickNextTask(s, sampling, (tid) => !res.isTakenByOther(tid, annotator));
    if (id === undefined) return undefined;
    if (annotator !== undefined) res.reserve(id, annotator);
    return this.stored(id);
  }

  // ---- checkpoints ----

  private takeSnapshot() {
    const s = this.state;
    // Bytes as they are now (they are never overwritten): writes that come meanwhile are not in it.
    const tasks = this.tasksDirty ? s.taskLineRuns() : null;
    const taskFacts = this.tasksDirty ? s.taskFacts() : null;
    const files = [...this.dirtyFiles].map((id) => [id, s.fileText(id)] as const);
    const marks = this.marksDirty ? Object.fromEntries(s.completionIdMarks) : null;
    const sourceKeys = this.sourceKeysDirty ? [...this.sourceKeys] : null;
    this.tasksDirty = false;
    this.marksDirty = false;
    this.sourceKeysDirty = false;
    this.dirtyFiles = new Set();
    return { tasks, taskFacts, files, marks, sourceKeys };
  }

  /** A checkpoint that failed: what its snapshot was to write is dirty again. */
  private restoreDirty(snap: ReturnType<FolderStore['takeSnapshot']>): void {
    if (snap.tasks) this.tasksDirty = true;
    if (snap.marks) this.marksDirty = true;
    if (snap.sourceKeys) this.sourceKeysDirty = true;
    for (const [id] of snap.files) this.dirtyFiles.add(id);
  }

  private async writeCheckpointFiles(snap: ReturnType<FolderStore['takeSnapshot']>): Promise<void> {
    const compDir = this.path(FILES.completions);
    await mkdir(compDir, { recursive: true });
    const files = async () => {
      // Many small files, each replaced atomically; their fsyncs overlap, one folder fsync ends them.
      await forEachLimit(snap.files, 32, async ([id, file]) => {
        const onDisk = this.filesOnDisk.get(id);
        if (file) {
          const rel = `${id}.json`;
          await writeFileAtomic(join(compDir, rel), completionFileText(JSON.parse(file)), { syncDir: false });
          if (onDisk && onDisk !== rel) await unlink(join(compDir, onDisk)).catch(() => {});
          this.filesOnDisk.set(id, rel);
        } else if (onDisk) {
          await unlink(join(compDir, onDisk)).catch(() => {});
          this.filesOnDisk.delete(id);
        }
      });
      if (snap.files.length) await fsyncDir(compDir);
    };
    const tasks = async () => {
      if (!snap.tasks) return;
      const stamp = { size: 0, crc32: 0 };
      await writeFileAtomic(this.path(FILES.tasks), stampedPieces(tasksFilePieces(snap.tasks), stamp));
      // After tasks.json: a crash in between leaves facts of another file, which a start
      // tells by the stamp (and then parses every line).
      await writeTaskFacts(this.path(FILES.taskFacts), stamp, snap.taskFacts!);
    };
    const marks = async () => {
      if (snap.marks) await writeFileAtomic(this.path(FILES.completionIdMarks), JSON.stringify(snap.marks));
    };
    const sourceKeys = async () => {
      if (snap.sourceKeys) await this.writeSourceKeys(snap.sourceKeys);
    };
    // Side by side: the disk flushes of the small files overlap the large write. Each file
    // is replaced atomically, and the journal that has all of it stays until every one is
    // written, so the order among them does not matter.
    const results = await Promise.allSettled([files(), tasks(), marks(), sourceKeys(), this.writeConfigFiles()]);
    for (const r of results) if (r.status === 'rejected') throw r.reason;
  }

  /** cloud-source-keys.json, streamed one entry a line; removed when there are none (no cloud source ever synced). */
  private async writeSourceKeys(keys: readonly (readonly [string, number | null])[]): Promise<void> {
    if (keys.length === 0) {
      await unlink(this.path(FILES.sourceKeys)).catch(() => {});
      return;
    }
    function* lines(): Generator<string> {
      yield '{\n';
      for (let i = 0; i < keys.length; i++) yield `${JSON.stringify(keys[i]![0])}: ${keys[i]![1]}${i === keys.length - 1 ? '' : ','}\n`;
      yield '}\n';
    }
    await writeFileAtomic(this.path(FILES.sourceKeys), lines());
  }

  /**
   * Writes config.xml and config.json from the state as it is when the write runs; writes
   * are chained, so the last one on disk is the newest state.
   */
  private writeConfigFiles(): Promise<void> {
    const write = async () => {
      await writeFileAtomic(this.path(FILES.labelConfig), this.state.labelConfig);
      await writeFileAtomic(this.path(FILES.settings), JSON.stringify(this.state.settings, null, 2));
    };
    this.configWrites = this.configWrites.then(write, write);
    return this.configWrites;
  }

  /** Writes the state out as 0.8 files and starts the journal afresh; requests go on meanwhile. */
  checkpoint(): Promise<void> {
    if (this.checkpointRunning) return this.checkpointRunning;
    const run = async () => {
      const snap = this.takeSnapshot();
      const prev = this.path(FILES.previousJournal);
      let rotated = this.previousJournalPending;
      // Queued at once, so it completes only once every record the snapshot holds is
      // durable, and fails if one of them fails (memory is then rolled back, and the
      // snapshot must not reach the files).
      const snapshotDurable = rotated ? this.journal.drain() : this.journal.rotate(prev);
      try {
        await snapshotDurable;
        rotated = true;
        this.checkpointAtBytes = this.checkpointBytes;
        await this.writeCheckpointFiles(snap);
        await unlink(prev);
        await fsyncDir(this.dir);
        this.previousJournalPending = false;
        // Replaced and deleted texts leave dead bytes in memory; once they outweigh the
        // live ones they are given back here, at most once per checkpoint.
        this.state.compactTexts();
      } catch (err) {
        // What the snapshot held is still to be written; try again once the journal has
        // grown further (or at shutdown). A rotated journal stays until then, and is
        // replayed at the next start if there is none.
        this.restoreDirty(snap);
        this.previousJournalPending = rotated;
        this.checkpointAtBytes = this.journal.bytes + this.checkpointBytes;
        throw err;
      }
    };
    this.checkpointRunning = run().finally(() => {
      this.checkpointRunning = null;
    });
    return this.checkpointRunning;
  }

  /**
   * Waits for writes in flight, checkpoints, releases the lock. A failed checkpoint is
   * reported after the lock is released: nothing is lost (the journal is replayed at the
   * next start), but the caller must know the files are behind.
   */
  async close(options: { checkpoint?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    await this.journal.drain().catch(() => {});
    if (this.checkpointRunning) await this.checkpointRunning.catch(() => {});
    let failure: unknown;
    if (options.checkpoint !== false) await this.checkpoint().catch((err: unknown) => (failure = err));
    this.closed = true;
    await this.journal.close();
    await this.releaseLock();
    if (failure) throw failure;
  }

  /** upload/, for the folder's own uses (its files are served through `uploads`). */
  uploadDir(): string {
    return this.path(FILES.upload);
  }
}

export { DamagedFileError };
