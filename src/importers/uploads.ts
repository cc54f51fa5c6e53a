// upload/: writing imported files there after validation (and removing them again if
// the import then fails), and finding a requested file there without ever leaving it
// (api.md §5.22: 0.8 served upload/../config.json).
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, open, realpath, rename, rm, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fsyncDir } from '../storage/atomicFile.ts';
import type { PendingUpload } from './types.ts';

const WRITE_CONCURRENCY = 8;

async function fsyncFile(path: string): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    await fh.datasync();
  } finally {
    await fh.close();
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Moves one temporary file to upload/<name>: synced, then renamed into place (copied
 * first across devices). Returns false when the file was there already.
 */
async function place(dir: string, upload: PendingUpload): Promise<boolean> {
  const target = join(dir, upload.storedName);
  // The name is the content's hash: an existing file with it has these bytes already.
  if (await exists(target)) return false;
  await fsyncFile(upload.tempPath);
  try {
    await rename(upload.tempPath, target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    const tmp = join(dir, `.${upload.storedName}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await copyFile(upload.tempPath, tmp);
      await fsyncFile(tmp);
      await rename(tmp, target);
    } finally {
      await rm(tmp, { force: true });
    }
  }
  return true;
}

/**
 * Writes the files of a validated import, durable before the tasks that point at them
 * are; returns the names it added (not those that were there already). Each file is
 * recorded as soon as it is placed, so a failure half-way still reports what it wrote.
 */
async function writeUploads(dir: string, uploads: readonly PendingUpload[], added: string[]): Promise<void> {
  const queue = [...uploads];
  if (queue.length === 0) return;
  await mkdir(dir, { recursive: true });
  let failure: { err: unknown } | undefined;
  const worker = async () => {
    for (let u = queue.shift(); u && !failure; u = queue.shift()) {
      try {
        if (await place(dir, u)) added.push(u.storedName);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  // Every worker finishes before a failure is reported: `added` is then complete.
  await Promise.all(Array.from({ length: Math.min(WRITE_CONCURRENCY, queue.length) }, worker));
  if (failure) throw failure.err;
  await fsyncDir(dir);
}

async function removeUploads(dir: string, names: readonly string[]): Promise<void> {
  await Promise.all(names.map((name) => rm(join(dir, name), { force: true })));
  await fsyncDir(dir).catch(() => {});
}

/** The imports writing to each upload folder, chained: one at a time per folder. */
const folderQueues = new Map<string, Promise<void>>();

async function oneAtATime<T>(dir: string, run: () => Promise<T>): Promise<T> {
  const key = resolve(dir);
  const before = folderQueues.get(key) ?? Promise.resolve();
  let finish!: () => void;
  const mine = before.then(() => new Promise<void>((r) => (finish = r)));
  folderQueues.set(key, mine);
  await before;
  try {
    return await run();
  } finally {
    finish();
    if (folderQueues.get(key) === mine) folderQueues.delete(key);
  }
}

/**
 * Writes an import's files to upload/, then calls `commit` (which stores the tasks that
 * point at them); if commit fails, the files this import added are removed again, so a
 * failed import leaves nothing behind (0.8 Quirk Q-I9). `commit` is called in the same
 * synchronous run as the last write's completion: whatever it checks before its own
 * first await (the current config) cannot change before the store takes the tasks.
 *
 * Imports with files go one at a time per folder, from the first write to the end of
 * their commit: otherwise an import could find a file another import had just added,
 * rely on it, and lose it when that other import failed and removed it.
 */
export async function withUploads<T>(dir: string, uploads: readonly PendingUpload[], commit: () => Promise<T>): Promise<T> {
  if (uploads.length === 0) return commit();
  return oneAtATime(dir, async () => {
    const added: string[] = [];
    let result: Promise<T>;
    try {
      await writeUploads(dir, uploads, added);
      result = commit();
    } catch (err) {
      await removeUploads(dir, added);
      throw err;
    }
    try {
      return await result;
    } catch (err) {
      await removeUploads(dir, added);
      throw err;
    }
  });
}

/**
 * The real path of root/<requested> if it is a file inside root, else undefined. The
 * request path arrives still percent-encoded: it is decoded once here, and anything that
 * could point elsewhere is refused: "..", absolute paths, backslashes, NUL, hidden
 * segments (temporary files), and symlinks that lead out of root.
 */
export async function resolveInside(root: string, requested: string): Promise<string | undefined> {
  let rel: string;
  try {
    rel = decodeURIComponent(requested);
  } catch {
    return undefined;
  }
  if (rel === '' || rel.includes('\0') || rel.includes('\\') || isAbsolute(rel)) return undefined;
  const segments = rel.split('/');
  if (segments.some((s) => s === '' || s.startsWith('.'))) return undefined;
  const candidate = resolve(root, rel);
  if (!candidate.startsWith(resolve(root) + sep)) return undefined;
  try {
    const [realRoot, realFile] = await Promise.all([realpath(root), realpath(candidate)]);
    const inside = relative(realRoot, realFile);
    if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) return undefined;
    if (!(await stat(realFile)).isFile()) return undefined;
    return realFile;
  } catch {
    return undefined;
  }
}
