// upload/ of a project folder: imported files, each named by its content (<hash>-<name>),
// written durably before the tasks that point at them, and read back for serving and
// exports without ever leaving the folder (api.md §5.22: 0.8 served upload/../config.json).
import { createReadStream } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir } from './atomicFile.ts';
import { resolveInside } from '../../util/paths.ts';
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

/**
 * Moves one temporary file to upload/<name>: synced, then renamed into place (copied
 * first across devices). Returns false when the file was there already.
 */
async function place(dir: string, upload: PendingFile): Promise<boolean> {
  const target = join(dir, upload.name);
  // The name is the content's hash: an existing file with it has these bytes already.
  if (await exists(target)) return false;
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
