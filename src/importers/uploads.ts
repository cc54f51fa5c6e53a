// upload/: writing imported files there after validation, and finding a requested file
// there without ever leaving it (api.md §5.22: 0.8 served upload/../config.json).
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

/** Moves one temporary file to upload/<name>: synced, then renamed into place (copied first across devices). */
async function place(dir: string, upload: PendingUpload): Promise<void> {
  const target = join(dir, upload.storedName);
  // The name is the content's hash: an existing file with it has these bytes already.
  if (await exists(target)) return;
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
}

/** Writes the files of a validated import; durable before the tasks that point at them are. */
export async function writeUploads(dir: string, uploads: Iterable<PendingUpload>): Promise<void> {
  const queue = [...uploads];
  if (queue.length === 0) return;
  await mkdir(dir, { recursive: true });
  const worker = async () => {
    for (let u = queue.shift(); u; u = queue.shift()) await place(dir, u);
  };
  await Promise.all(Array.from({ length: Math.min(WRITE_CONCURRENCY, queue.length) }, worker));
  await fsyncDir(dir);
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
