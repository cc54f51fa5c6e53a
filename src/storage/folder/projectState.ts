// The in-memory state of one project and the indexes that serve every read:
// pages in each order, next-task candidates, counts and the schema facts config
// validation needs. Pure data: no I/O here, so it is the same during replay and serving.
//
// Tasks and completion files are kept as their JSON text, as UTF-8 bytes in a TextTable
// (a few large Buffers), and parsed when read (a 300-byte task parses in about a
// microsecond): the project costs about its bytes, where the same tasks as objects, or as a
// million strings, cost several times that and made the collector's work grow with the
// project. A task is kept as its line of tasks.json (`"<id>": <JSON>,`), so a checkpoint
// writes the file from these bytes and a start keeps the bytes it read. What the indexes
// need of each (data keys, prediction score, completion times) is taken when the record is
// put, while it is an object anyway.
import type { CompletionFile, Json, JsonObject, ProjectSettings, Task } from '../../domain/types.ts';
import { dataHash } from '../../domain/dataHash.ts';
import { sortKeysDeep } from '../../util/json.ts';
import { isCancelled } from '../../domain/types.ts';
import { SortedList } from '../../util/sortedList.ts';
import type { OutputSchema, TaskOrder } from '../store.ts';
import { TextTable, type ByteRun } from './textTable.ts';
import { taskLine, taskLinePrefix } from './checkpoint.ts';

/** Data keys with the number of tasks that have each, and each scored task's mean prediction score. */
export interface TaskFacts {
  /** How many tasks (a start makes room for them at once). */
  count: number;
  dataKeys: [key: string, tasks: number][];
  scores: [id: number, score: number][];
}

/** What a completed task is sorted by. at = last created_at, null when unknown ("undefined"). */
interface CompletionMeta {
  at: number | null;
  cancelled: number;
}


const byNumber = (a: number, b: number) => a - b;
const IGNORED_RESULT_TYPES = new Set(['relation', 'rating', 'pairwise']);

function completionMeta(file: CompletionFile): CompletionMeta {
  let at: number | null = file.completions.length ? -Infinity : null;
  let cancelled = 0;
  for (const c of file.completions) {
    if (isCancelled(c)) cancelled++;
    if (at !== null) at = typeof c.created_at === 'number' ? Math.max(at, c.created_at) : null;
  }
  return { at, cancelled };
}

function meanScore(task: Task): number | null {
  const preds = task.predictions;
  if (!Array.isArray(preds) || preds.length === 0) return null;
  let sum = 0;
  // 0.8 failed with a 500 on a prediction without score; it counts as 0 here.
  for (const p of preds) sum += typeof p?.score === 'number' ? p.score : 0;
  return sum / preds.length;
}

function bump(map: Map<string, number>, key: string, by: number): void {
  const n = (map.get(key) ?? 0) + by;
  if (n === 0) map.delete(key);
  else map.set(key, n);
}

export class ProjectState {
  /** Each task's line of tasks.json: `"<id>": <JSON>,` and a newline. */
  private readonly taskLines = new TextTable();
  /** Each completions/<id>.json's content as compact JSON, keys sorted as 0.8 stores them. */
  private readonly fileJson = new TextTable();
  /** Completion times and skips of every file (whether its task exists or not yet). */
  private readonly fileMeta = new Map<number, CompletionMeta>();
  /** Mean prediction score of every task with predictions. */
  private readonly predictionScore = new Map<number, number>();
  /** Data hash of every task, for ?dedupe=1: built on first use, then kept in step. */
  private dataHashes: Map<number, string> | undefined;
  /** Highest completion id ever given per task, so ids are never reused after a delete. */
  readonly completionIdMarks = new Map<number, number>();
  settings: ProjectSettings = {};
  labelConfig = '';

  private readonly meta = new Map<number, CompletionMeta>();
  private readonly scores = new Map<number, number>();
  private readonly ids = new SortedList<number>(byNumber);
  private readonly uncompleted = new SortedList<number>(byNumber);
  // Each direction has its own list, so equal keys come in ascending id both ways.
  private readonly completedTimed = new SortedList<number>((a, b) => this.at(a) - this.at(b) || a - b);
  private readonly completedTimedDesc = new SortedList<number>((a, b) => this.at(b) - this.at(a) || a - b);
  private readonly completedUntimed = new SortedList<number>(byNumber);
  private readonly byCancelledAsc = new SortedList<number>((a, b) => this.cancelled(a) - this.cancelled(b) || this.atDesc(a, b) || a - b);
  private readonly byCancelledDesc = new SortedList<number>((a, b) => this.cancelled(b) - this.cancelled(a) || this.atDesc(a, b) || a - b);
  private readonly byScore = new SortedList<number>((a, b) => this.scores.get(a)! - this.scores.get(b)! || a - b);
  private readonly byScoreDesc = new SortedList<number>((a, b) => this.scores.get(b)! - this.scores.get(a)! || a - b);
  private readonly dataKeyCounts = new Map<string, number>();
  private readonly outputCounts = new Map<string, number>();
  private readonly labelCounts = new Map<string, number>();

  private at(id: number): number {
    return this.meta.get(id)!.at!;
  }
  private cancelled(id: number): number {
    return this.meta.get(id)!.cancelled;
  }
  /** Later completion first; tasks without a time after those with one. */
  private atDesc(a: number, b: number): number {
    const x = this.meta.get(a)!.at;
    const y = this.meta.get(b)!.at;
    if (x === y) return 0;
    if (x === null) return 1;
    if (y === null) return -1;
    return y - x;
  }

  // ---- reads ----

  get taskCount(): number {
    return this.taskLines.size;
  }

  hasTask(id: number): boolean {
    return this.taskLines.has(id);
  }

  hasFile(id: number): boolean {
    return this.fileJson.has(id);
  }

  /** The task, parsed afresh (callers may keep or change it). */
  task(id: number): Task | undefined {
    const text = this.taskText(id);
    return text === undefined ? undefined : (JSON.parse(text) as Task);
  }

  file(id: number): CompletionFile | undefined {
    const text = this.fileJson.text(id);
    return text === undefined ? undefined : (JSON.parse(text) as CompletionFile);
  }

  /** The task's JSON as stored (checkpoints write it as it is). */
  taskText(id: number): string | undefined {
    return this.taskLines.text(id, taskLinePrefix(id), 2);
  }

  fileText(id: number): string | undefined {
    return this.fileJson.text(id);
  }

  /**
   * The lines of tasks.json for every task in id order, as runs of the bytes in memory.
   * They stay as they are whatever changes later (bytes are never overwritten).
   */
  taskLineRuns(): ByteRun[] {
    return this.taskLines.ranges();
  }

  /** Gives back the bytes of replaced and deleted texts once they are many (a copy of the live ones). */
  compactTexts(): void {
    if (this.taskLines.wasteful) this.taskLines.compact();
    if (this.fileJson.wasteful) this.fileJson.compact();
  }

  get fileCount(): number {
    return this.fileJson.size;
  }

  /** Ids of the completion files, in no order. */
  fileIdsUnordered(): Iterable<number> {
    return this.fileJson.ids();
  }

  /** Which tasks have data with one of these hashes (the index is built on first use). */
  hashesPresent(hashes: readonly string[]): Set<string> {
    if (!this.dataHashes) {
      this.dataHashes = new Map();
      for (const id of this.taskLines.ids()) this.dataHashes.set(id, dataHash(this.task(id)!.data));
    }
    const wanted = new Set(hashes);
    const found = new Set<string>();
    for (const h of this.dataHashes.values()) if (wanted.has(h)) found.add(h);
    return found;
  }

  /** Tasks that exist and have a completions file (0.8's "completed", whatever it holds). */
  get completedCount(): number {
    return this.meta.size;
  }

  isCompleted(id: number): boolean {
    return this.meta.has(id);
  }

  maxTaskId(): number | undefined {
    return this.ids.last();
  }

  /** Ids of one page of tasks in the given order. */
  page(order: TaskOrder, offset: number, limit: number): number[] {
    const parts = this.orderParts(order);
    const out: number[] = [];
    let skip = offset;
    for (const [list, descending] of parts) {
      if (out.length >= limit) break;
      if (skip >= list.size) {
        skip -= list.size;
        continue;
      }
      // A loop, not push(...slice): a page can be the whole project (checkpoints ask for
      // every id), and spreading a large array overflows the stack.
      for (const id of list.slice(skip, limit - out.length, descending)) out.push(id);
      skip = 0;
    }
    return out;
  }

  /** The lists one order is made of, one after the other (each ascending, or read backwards). */
  private orderParts(order: TaskOrder): [SortedList<number>, boolean][] {
    switch (order) {
      case 'id':
        return [[this.ids, false]];
      case '-id':
        return [[this.ids, true]];
      case 'completed_at':
        return [[this.completedTimed, false], [this.completedUntimed, false], [this.uncompleted, false]];
      case '-completed_at':
        return [[this.completedTimedDesc, false], [this.completedUntimed, false], [this.uncompleted, false]];
      case 'has_cancelled_completions':
        return [[this.byCancelledAsc, false], [this.uncompleted, false]];
      case '-has_cancelled_completions':
        return [[this.byCancelledDesc, false], [this.uncompleted, false]];
    }
  }

  /** Unlabeled task ids in ascending order (for sequential sampling). */
  uncompletedIds(start = 0): Iterable<number> {
    return this.uncompleted.iterate(start);
  }

  get uncompletedCount(): number {
    return this.uncompleted.size;
  }

  uncompletedAt(index: number): number | undefined {
    return this.uncompleted.at(index);
  }

  /** Unlabeled tasks with stored predictions, by mean prediction score. */
  scoredIds(descending: boolean): Iterable<number> {
    return (descending ? this.byScoreDesc : this.byScore).iterate();
  }

  /**
   * Data keys every task has (0.8's input schema); empty when there are no tasks. A key
   * every task has is a key of the first one: only its keys (at most MAX_DATA_KEYS) are
   * looked at, not every key any task ever had, which config checks used to walk.
   */
  commonDataKeys(): string[] {
    const n = this.taskLines.size;
    const firstId = this.ids.first();
    const first = firstId === undefined ? undefined : this.task(firstId);
    if (!first) return [];
    return Object.keys(first.data ?? {}).filter((k) => this.dataKeyCounts.get(k) === n);
  }

  outputSchema(): OutputSchema {
    return {
      controls: [...this.outputCounts.keys()].map((k) => {
        const [fromName, toName, type] = JSON.parse(k) as string[];
        return { fromName: fromName!, toName: toName!, type: type! };
      }),
      labels: [...this.labelCounts.keys()].map((k) => {
        const [fromName, type, label] = JSON.parse(k) as string[];
        return { fromName: fromName!, type: type!, label: label! };
      }),
    };
  }

  /** Ids of every completions file, ascending (export reads these). */
  fileIds(): number[] {
    return [...this.fileJson.ids()].sort(byNumber);
  }

  // ---- changes: each keeps every index in step ----

  /** Stores a task; `text` is its JSON when the caller has it already (read from tasks.json). */
  putTask(task: Task, text = JSON.stringify(task)): void {
    if (this.taskLines.has(task.id)) this.unindexTask(task.id, this.task(task.id)!);
    this.taskLines.put(task.id, taskLine(task.id, text));
    this.indexTask(task);
  }

  /** Stores a task whose line of tasks.json lies in `buffer` (read from the file, never reused). */
  putTaskLine(task: Task, buffer: Buffer, start: number, end: number): void {
    if (this.taskLines.has(task.id)) this.unindexTask(task.id, this.task(task.id)!);
    this.taskLines.putBytes(task.id, buffer, start, end);
    this.indexTask(task);
  }

  /**
   * Stores a task line that a checkpoint wrote and nobody changed since (tasks.json matches
   * tasks.facts.json): not parsed; its data keys and score come with restoreTaskFacts.
   */
  putKnownTaskLine(id: number, buffer: Buffer, start: number, end: number): void {
    this.taskLines.putBytes(id, buffer, start, end);
    this.ids.add(id);
    if (this.fileJson.has(id)) this.markCompleted(id);
    else this.addUncompleted(id);
  }

  /** What the indexes know of the tasks' contents, for tasks.facts.json (restoreTaskFacts reads it back). */
  taskFacts(): TaskFacts {
    return { count: this.taskCount, dataKeys: [...this.dataKeyCounts], scores: [...this.predictionScore] };
  }

  /** Makes room for this many tasks (ids mostly below it) before they are put. */
  reserveTasks(n: number): void {
    this.taskLines.reserve(n);
  }

  /** The facts of the tasks put with putKnownTaskLine, as taskFacts gave them when the file was written. */
  restoreTaskFacts(facts: TaskFacts): void {
    for (const [key, n] of facts.dataKeys) bump(this.dataKeyCounts, key, n);
    for (const [id, score] of facts.scores) {
      if (!this.taskLines.has(id)) continue;
      this.predictionScore.set(id, score);
      if (this.uncompleted.has(id)) {
        this.scores.set(id, score);
        this.byScore.add(id);
        this.byScoreDesc.add(id);
      }
    }
  }

  deleteTask(id: number): void {
    this.deleteFile(id);
    if (!this.taskLines.has(id)) return;
    const old = this.task(id)!;
    this.unindexTask(id, old);
    this.taskLines.delete(id);
  }

  /** Stores a completions file with its keys sorted, as 0.8 writes it (a restart reads it back so). */
  putFile(file: CompletionFile, text = JSON.stringify(sortKeysDeep(file))): void {
    this.deleteFile(file.id);
    this.fileJson.put(file.id, text);
    this.fileMeta.set(file.id, completionMeta(file));
    this.countOutputs(file, 1);
    if (this.taskLines.has(file.id)) this.markCompleted(file.id);
  }

  deleteFile(id: number): void {
    if (!this.fileJson.has(id)) return;
    const old = this.file(id)!;
    this.countOutputs(old, -1);
    if (this.meta.has(id)) this.unmarkCompleted(id);
    this.fileJson.delete(id);
    this.fileMeta.delete(id);
  }

  /** Deletes every completions file; the highest id of each is remembered, never given again. */
  clearFiles(): void {
    for (const id of [...this.fileJson.ids()]) {
      const file = this.file(id)!;
      const max = Math.max(this.completionIdMarks.get(id) ?? 0, ...file.completions.map((c) => (typeof c.id === 'number' ? c.id : 0)));
      if (max > 0) this.completionIdMarks.set(id, max);
      this.deleteFile(id);
    }
  }

  /**
   * Forgets every task and what the indexes know of them, keeping the completion files (a
   * start that took tasks.json for known, and found it was not, reads it again).
   */
  forgetTasks(): void {
    this.taskLines.clear();
    this.meta.clear();
    this.scores.clear();
    this.predictionScore.clear();
    this.dataHashes = undefined;
    for (const list of [this.ids, this.uncompleted, this.completedTimed, this.completedTimedDesc, this.completedUntimed, this.byCancelledAsc, this.byCancelledDesc, this.byScore, this.byScoreDesc]) list.clear();
    this.dataKeyCounts.clear();
  }

  /** A project emptied of tasks starts over: ids from 0, no remembered completion ids. */
  clearTasks(): void {
    this.clearFiles();
    this.completionIdMarks.clear();
    this.taskLines.clear();
    this.fileJson.clear();
    this.meta.clear();
    this.scores.clear();
    this.predictionScore.clear();
    if (this.dataHashes) this.dataHashes.clear();
    for (const list of [this.ids, this.uncompleted, this.completedTimed, this.completedTimedDesc, this.completedUntimed, this.byCancelledAsc, this.byCancelledDesc, this.byScore, this.byScoreDesc]) list.clear();
    this.dataKeyCounts.clear();
  }

  private indexTask(task: Task): void {
    const id = task.id;
    this.ids.add(id);
    for (const key of Object.keys(task.data ?? {})) bump(this.dataKeyCounts, key, 1);
    const score = meanScore(task);
    if (score !== null) this.predictionScore.set(id, score);
    if (this.dataHashes) this.dataHashes.set(id, dataHash(task.data));
    if (this.fileJson.has(id)) this.markCompleted(id);
    else this.addUncompleted(id);
  }

  private unindexTask(id: number, task: Task): void {
    this.ids.delete(id);
    for (const key of Object.keys(task.data ?? {})) bump(this.dataKeyCounts, key, -1);
    if (this.meta.has(id)) this.unmarkCompleted(id, false);
    else this.removeUncompleted(id);
    this.predictionScore.delete(id);
    this.dataHashes?.delete(id);
  }

  private addUncompleted(id: number): void {
    this.uncompleted.add(id);
    const score = this.predictionScore.get(id);
    if (score !== undefined) {
      this.scores.set(id, score);
      this.byScore.add(id);
      this.byScoreDesc.add(id);
    }
  }

  private removeUncompleted(id: number): void {
    this.uncompleted.delete(id);
    if (this.scores.has(id)) {
      this.byScore.delete(id);
      this.byScoreDesc.delete(id);
      this.scores.delete(id);
    }
  }

  private markCompleted(id: number): void {
    if (this.meta.has(id)) this.unmarkCompleted(id, false);
    else this.removeUncompleted(id);
    const m = this.fileMeta.get(id)!;
    this.meta.set(id, m);
    if (m.at === null) this.completedUntimed.add(id);
    else {
      this.completedTimed.add(id);
      this.completedTimedDesc.add(id);
    }
    this.byCancelledAsc.add(id);
    this.byCancelledDesc.add(id);
  }

  /** Drops id from the completed indexes; back to the unlabeled ones when the task remains. */
  private unmarkCompleted(id: number, backToUncompleted = true): void {
    const m = this.meta.get(id)!;
    if (m.at === null) this.completedUntimed.delete(id);
    else {
      this.completedTimed.delete(id);
      this.completedTimedDesc.delete(id);
    }
    this.byCancelledAsc.delete(id);
    this.byCancelledDesc.delete(id);
    this.meta.delete(id);
    if (backToUncompleted && this.taskLines.has(id)) this.addUncompleted(id);
  }

  private countOutputs(file: CompletionFile, by: number): void {
    for (const c of file.completions ?? []) {
      if (!Array.isArray(c.result)) continue;
      for (const r of c.result as Json[]) {
        if (!r || typeof r !== 'object' || Array.isArray(r)) continue;
        const item = r as JsonObject;
        const { from_name: from, to_name: to, type } = item;
        if (typeof from !== 'string' || typeof to !== 'string' || typeof type !== 'string') continue;
        if (IGNORED_RESULT_TYPES.has(type)) continue;
        bump(this.outputCounts, JSON.stringify([from, to, type]), by);
        const value = item.value as JsonObject | undefined;
        const labels = value && typeof value === 'object' ? value[type] : undefined;
        if (Array.isArray(labels)) {
          for (const label of labels) if (typeof label === 'string') bump(this.labelCounts, JSON.stringify([from, type, label]), by);
        }
      }
    }
  }
}
