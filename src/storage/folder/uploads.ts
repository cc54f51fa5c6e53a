// upload/ of a project folder: imported files, each named by its content (<hash>-<name>),
// written durably before the tasks that point at them, and read back for serving and
// exports without ever leaving the folder (api.md §5.22: 0.8 served upload/../config.json).
import { createReadStream } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir } from './atomicFile.ts';
import { resolveInside } from '../../util/paths.ts';
import { AppError } from '../../errors.ts';
import type { StoredUpload, UploadStore } from '../store.ts';

interface PendingFile {
  name: string;
  tempPath: string;
}

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

const COMPARE_CHUNK = 64 * 1024;

/** Whether two files hold the same bytes (sizes first, then a chunk at a time). */
export async function sameBytes(a: string, b: string): Promise<boolean> {
  const [sa, sb] = await Promise.all([stat(a), stat(b)]);
  if (sa.size !== sb.size) return false;
  const [fa, fb] = await Promise.all([open(a, 'r'), open(b, 'r')]);
  try {
    const ba = Buffer.alloc(COMPARE_CHUNK);
    const bb = Buffer.alloc(COMPARE_CHUNK);
    for (let pos = 0; pos < sa.size; pos += COMPARE_CHUNK) {
      const [ra, rb] = await Promise.all([fa.read(ba, 0, COMPARE_CHUNK, pos), fb.read(bb, 0, COMPARE_CHUNK, pos)]);
      if (ra.bytesRead !== rb.bytesRead || !ba.subarray(0, ra.bytesRead).equals(bb.subarray(0, rb.bytesRead))) return false;
    }
    return true;
  } finally {
    await Promise.all([fa.close(), fb.close()]);
  }
}

/** A different file under a taken name: its md5 collides with the stored one's. */
export function uploadConflict(name: string): AppError {
  return new AppError('upload_conflict', `A different file is already stored as upload/${name} (same md5 and name, other bytes); nothing was imported`);
}

/**
 * Moves one temporary file to upload/<name>: synced, then renamed into place (copied
 * first across devices). Returns false when the file was there already.
 */
async function place(dir: string, upload: PendingFile): Promise<boolean> {
  const target = join(dir, upload.name);
  // The name is the content's md5: a file with it is these bytes (uploaded before) unless
  // someone made an md5 collision, which is refused rather than served in their place.
  if (await exists(target)) {
    if (await sameBytes(target, upload.tempPath)) return false;
    throw uploadConflict(upload.name);
  }
  await fsyncFile(upload.tempPath);
  try {
    await rename(upload.tempPath, target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    const tmp = join(dir, `.${upload.name}.${randomBytes(6).toString('hex')}.tmp`);
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
async function writeUploads(dir: string, uploads: readonly PendingFile[], added: string[]): Promise<void> {
  const queue = [...uploads];
  if (queue.length === 0) return;
  await mkdir(dir, { recursive: true });
  let failure: { err: unknown } | undefined;
  const worker = async () => {
    for (let u = queue.shift(); u && !failure; u = queue.shift()) {
      try {
        if (await place(dir, u)) added.push(u.name);
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

export class FolderUploads implements UploadStore {
  constructor(private readonly dir: string) {}

  async put(files: readonly PendingFile[]): Promise<string[]> {
    const added: string[] = [];
    try {
      await writeUploads(this.dir, files, added);
    } catch (err) {
      // Nothing half-done stays: what this call added goes again.
      await this.remove(added);
      throw err;
    }
    return added;
  }

  async remove(names: readonly string[]): Promise<void> {
    if (names.length === 0) return;
    await Promise.all(names.map((name) => rm(join(this.dir, name), { force: true })));
    await fsyncDir(this.dir).catch(() => {});
  }

  async *list(): AsyncIterable<string> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    for (const name of names.sort()) if (!name.startsWith('.') && (await this.get(name))) yield name;
  }

  async get(name: string): Promise<StoredUpload | undefined> {
    const path = await resolveInside(this.dir, encodeURIComponent(name));
    if (!path) return undefined;
    const st = await stat(path).catch(() => undefined);
    if (!st?.isFile()) return undefined;
    return {
      size: st.size,
      modified: st.mtime,
      stream: (start?: number, end?: number) => createReadStream(path, { start, end }),
    };
  }
}
