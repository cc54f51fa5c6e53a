// What the PostgreSQL engine derives from a task or a completions file to index it: the
// columns the orders, next() and dedupe read, and the facts config validation counts. The
// rules are those of the folder engine's in-memory indexes (storage/projectState.ts), kept
// here apart so that neither engine reaches into the other.
import { dataHash } from '../../domain/dataHash.ts';
import type { CompletionFile, Json, JsonObject, Task } from '../../domain/types.ts';
import { isCancelled } from '../../domain/types.ts';

/** The derived columns of a task row (besides its JSON text). */
export interface TaskColumns {
  /** Mean score of the task's stored predictions; null without predictions. */
  score: number | null;
  dataHash: string;
}

/** The derived columns of a completions file; all null when the task has none. */
export interface FileColumns {
  /** The last created_at of its completions; null when it has none, or one lacks created_at. */
  doneAt: number | null;
  cancelled: number | null;
  /** The highest numeric completion id in it (remembered when the file is deleted). */
  maxCompletionId: number | null;
}

export const NO_FILE: FileColumns = { doneAt: null, cancelled: null, maxCompletionId: null };

export function meanScore(task: Task): number | null {
  const preds = task.predictions;
  if (!Array.isArray(preds) || preds.length === 0) return null;
  let sum = 0;
  // 0.8 failed with a 500 on a prediction without score; it counts as 0 here (as in the folder engine).
  for (const p of preds) sum += typeof p?.score === 'number' ? p.score : 0;
  return sum / preds.length;
}

export function taskColumns(task: Task): TaskColumns {
  return { score: meanScore(task), dataHash: dataHash(task.data ?? {}) };
}

export function fileColumns(file: CompletionFile | undefined | null): FileColumns {
  if (!file) return NO_FILE;
  const completions = Array.isArray(file.completions) ? file.completions : [];
  let at: number | null = completions.length ? -Infinity : null;
  let cancelled = 0;
  let maxId: number | null = null;
  for (const c of completions) {
    if (isCancelled(c)) cancelled++;
    if (at !== null) at = typeof c.created_at === 'number' ? Math.max(at, c.created_at) : null;
    if (typeof c.id === 'number' && Number.isFinite(c.id) && (maxId === null || c.id > maxId)) maxId = c.id;
  }
  return { doneAt: at, cancelled, maxCompletionId: maxId };
}

/** The data keys of a task, as Object.keys orders them (commonDataKeys keeps the first task's order). */
export function dataKeys(task: Task | undefined): string[] {
  return task ? Object.keys(task.data ?? {}) : [];
}

const IGNORED_RESULT_TYPES = new Set(['relation', 'rating', 'pairwise']);

/** Output facts of a file: control triples and labels, each a JSON array text, with how often they occur. */
export interface OutputCounts {
  controls: Map<string, number>;
  labels: Map<string, number>;
}

export function emptyOutputs(): OutputCounts {
  return { controls: new Map(), labels: new Map() };
}

function bump(map: Map<string, number>, key: string, by: number): void {
  const n = (map.get(key) ?? 0) + by;
  if (n === 0) map.delete(key);
  else map.set(key, n);
}

/** Adds (by = 1) or subtracts (by = -1) the outputs of a file to counts. */
export function countOutputs(counts: OutputCounts, file: CompletionFile | undefined | null, by: number): void {
  if (!file) return;
  for (const c of Array.isArray(file.completions) ? file.completions : []) {
    if (!Array.isArray(c.result)) continue;
    for (const r of c.result as Json[]) {
      if (!r || typeof r !== 'object' || Array.isArray(r)) continue;
      const item = r as JsonObject;
      const { from_name: from, to_name: to, type } = item;
      if (typeof from !== 'string' || typeof to !== 'string' || typeof type !== 'string') continue;
      if (IGNORED_RESULT_TYPES.has(type)) continue;
      bump(counts.controls, JSON.stringify([from, to, type]), by);
      const value = item.value as JsonObject | undefined;
      const labels = value && typeof value === 'object' ? value[type] : undefined;
      if (Array.isArray(labels)) {
        for (const label of labels) if (typeof label === 'string') bump(counts.labels, JSON.stringify([from, type, label]), by);
      }
    }
  }
}

/** Counts of each key over tasks: +1 for each key of `added`, -1 for each of `removed`; zeros dropped. */
export function keyDeltas(added: Iterable<Task | undefined>, removed: Iterable<Task | undefined>): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of added) for (const k of dataKeys(t)) bump(out, k, 1);
  for (const t of removed) for (const k of dataKeys(t)) bump(out, k, -1);
  return out;
}
