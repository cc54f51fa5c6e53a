// Writing an import's files to the store's uploads after validation, and removing them
// again if the import then fails (0.8 Quirk Q-I9: a failed import left its files behind).
import type { UploadStore } from '../storage/store.ts';
import type { PendingUpload } from './types.ts';

/** The imports writing to each project's uploads, chained: one at a time per store. */
const queues = new WeakMap<UploadStore, Promise<void>>();

async function oneAtATime<T>(uploads: UploadStore, run: () => Promise<T>): Promise<T> {
  const before = queues.get(uploads) ?? Promise.resolve();
  let finish!: () => void;
  const mine = before.then(() => new Promise<void>((r) => (finish = r)));
  queues.set(uploads, mine);
  await before;
  try {
    return await run();
  } finally {
    finish();
    if (queues.get(uploads) === mine) queues.delete(uploads);
  }
}

/**
 * Writes an import's files to the uploads, then calls `commit` (which stores the tasks
 * that point at them); if commit fails, the files this import added are removed again, so
 * a failed import leaves nothing behind (0.8 Quirk Q-I9).
 *
 * Imports with files go one at a time per project (in this process), from the first write
 * to the end of their commit: otherwise an import could find a file another import had
 * just added, rely on it, and lose it when that other import failed and removed it.
 */
export async function withUploads<T>(uploads: UploadStore, pending: readonly PendingUpload[], commit: () => Promise<T>): Promise<T> {
  if (pending.length === 0) return commit();
  return oneAtATime(uploads, async () => {
    const added = await uploads.put(pending.map((u) => ({ name: u.storedName, tempPath: u.tempPath })));
    try {
      return await commit();
    } catch (err) {
      await uploads.remove(added);
      throw err;
    }
  });
}
