// Optional de-duplication (POST /api/project/import?dedupe=1; not in 0.8, users asked for
// it): a task whose data equals a stored task's data, or an earlier task's of the same
// import, is skipped. "Equal" is deep equality with key order ignored.
//
// The index of stored data lives here, beside the store rather than in it: per project
// state, a hash per task, built on first use. Tasks also change through other routes
// (PATCH/PUT/DELETE /api/tasks), so before each use the index is brought up to date by
// comparing object identities (the store replaces a task object on every change), which
// costs a pass over the ids but hashes only what changed.
import type { NewTask, Task } from '../domain/types.ts';
import { dataHash } from '../domain/dataHash.ts';

export { canonicalJson, dataHash } from '../domain/dataHash.ts';

class DataIndex {
  private readonly byId = new Map<number, { task: Task; hash: string }>();
  private readonly counts = new Map<string, number>();

  private bump(hash: string, by: number): void {
    const n = (this.counts.get(hash) ?? 0) + by;
    if (n > 0) this.counts.set(hash, n);
    else this.counts.delete(hash);
  }

  sync(tasks: ReadonlyMap<number, Task>): void {
    for (const [id, task] of tasks) {
      const entry = this.byId.get(id);
      if (entry?.task === task) continue;
      if (entry) this.bump(entry.hash, -1);
      const hash = dataHash(task.data);
      this.byId.set(id, { task, hash });
      this.bump(hash, 1);
    }
    if (this.byId.size === tasks.size) return;
    for (const [id, entry] of this.byId) {
      if (tasks.has(id)) continue;
      this.byId.delete(id);
      this.bump(entry.hash, -1);
    }
  }

  has(hash: string): boolean {
    return this.counts.has(hash);
  }
}

const indexes = new WeakMap<object, DataIndex>();

/**
 * The new tasks whose data is in neither the stored tasks nor earlier in the batch, and
 * how many were skipped. `owner` identifies the project (its in-memory state).
 */
export function dropDuplicates(owner: object, stored: ReadonlyMap<number, Task>, tasks: NewTask[]): { kept: NewTask[]; skipped: number } {
  let index = indexes.get(owner);
  if (!index) indexes.set(owner, (index = new DataIndex()));
  index.sync(stored);
  const seen = new Set<string>();
  const kept: NewTask[] = [];
  for (const t of tasks) {
    const h = dataHash(t.data);
    if (index.has(h) || seen.has(h)) continue;
    seen.add(h);
    kept.push(t);
  }
  return { kept, skipped: tasks.length - kept.length };
}
