// New tasks as the store keeps them: tasks.json entries with consecutive ids and, for
// those that came with completions, their completions files. Shared by imports and cloud
// source syncs.
import type { CompletionFile, JsonObject, NewTask, Task } from '../domain/types.ts';
import { sortKeysDeep } from '../util/json.ts';

/** The records of new tasks from id firstId on: tasks.json entries and completions files. */
export function newTaskRecords(newTasks: NewTask[], firstId: number, now: number): { tasks: Task[]; files: CompletionFile[] } {
  const tasks: Task[] = [];
  const files: CompletionFile[] = [];
  let id = firstId;
  for (const nt of newTasks) {
    const task: Task = { id, data: nt.data };
    if (nt.predictions) task.predictions = nt.predictions;
    if (nt.completions && nt.completions.length) {
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
  return { tasks, files };
}
