// The data hash of every stored task, for ?dedupe=1, built on first use. Tasks change
// through several routes (import, PATCH/POST/DELETE /api/tasks), so before each use the
// index is brought up to date by comparing object identities (the store replaces a task
// object on every change), which costs a pass over the ids but hashes only what changed.
import type { Task } from '../../domain/types.ts';
import { dataHash } from '../../domain/dataHash.ts';

export class DataIndex {
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
