// One owner per project folder: a lock file with the owner's pid. A lock left by a
// process that no longer runs (killed with SIGKILL) is taken over.
import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';

export const LOCK_FILE = '.lock';
const heldHere = new Set<string>();

export class ProjectLockedError extends Error {}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function acquireLock(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, LOCK_FILE);
  if (heldHere.has(path)) throw new ProjectLockedError(`Project folder ${dir} is already open in this server.`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.sync();
      await fh.close();
      heldHere.add(path);
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        heldHere.delete(path);
        await unlink(path).catch(() => {});
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new ProjectLockedError(
          `Project folder ${dir} is in use by another server (pid ${pid}); stop it first, or remove ${path} if that process is not a labeling server.`,
        );
      }
      await unlink(path).catch(() => {}); // stale: its owner is gone
    }
  }
  throw new ProjectLockedError(`Could not lock project folder ${dir}.`);
}
