// Optional de-duplication (POST /api/project/import?dedupe=1; not in 0.8, users asked for
// it): a task whose data equals a stored task's data, or an earlier task's of the same
// import, is skipped. "Equal" is deep equality with key order ignored (domain/dataHash.ts);
// the store says which hashes its tasks have.
import type { NewTask } from '../domain/types.ts';
import { dataHash } from '../domain/dataHash.ts';

/** The new tasks whose data is in neither the stored tasks nor earlier in the batch, and how many were skipped. */
export function dropDuplicates(tasks: NewTask[], stored: ReadonlySet<string>): { kept: NewTask[]; skipped: number } {
  const seen = new Set<string>();
  const kept: NewTask[] = [];
  for (const t of tasks) {
    const h = dataHash(t.data);
    if (stored.has(h) || seen.has(h)) continue;
    seen.add(h);
    kept.push(t);
  }
  return { kept, skipped: tasks.length - kept.length };
}
