// Files are replaced atomically: temporary file in the same folder, write, fsync,
// rename, fsync the folder. A reader never sees half a file.
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Writes all of buf: write(2) may write less than asked (a disk filling up does that). */
async function writeAll(fh: FileHandle, buf: Buffer): Promise<void> {
  let offset = 0;
  while (offset < buf.length) {
    const { bytesWritten } = await fh.write(buf, offset, buf.length - offset);
    if (bytesWritten <= 0) throw Object.assign(new Error('write wrote nothing'), { code: 'EIO', syscall: 'write' });
    offset += bytesWritten;
  }
}

/** Pieces this large are written as they are; smaller ones are gathered into ~1 MB writes. */
const GATHER = 1 << 20;

/**
 * Writes path atomically from a string, or from pieces produced by an iterable (streamed):
 * strings, or Buffers (a checkpoint hands the bytes of its tasks as they lie in memory).
 */
export async function writeFileAtomic(
  path: string,
  content: string | Buffer | Iterable<string | Buffer> | AsyncIterable<string | Buffer>,
  options: { syncDir?: boolean } = {},
): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'w');
  try {
    if (typeof content === 'string' || Buffer.isBuffer(content)) {
      await fh.writeFile(content);
    } else {
      let gathered: Buffer[] = [];
      let len = 0;
      const flush = async () => {
        if (len) await writeAll(fh, gathered.length === 1 ? gathered[0]! : Buffer.concat(gathered, len));
        gathered = [];
        len = 0;
      };
      for await (const piece of content as AsyncIterable<string | Buffer>) {
        const buf = typeof piece === 'string' ? Buffer.from(piece) : piece;
        if (buf.length >= GATHER) {
          await flush();
          await writeAll(fh, buf);
          continue;
        }
        gathered.push(buf);
        len += buf.length;
        if (len >= GATHER) await flush();
      }
      await flush();
    }
    await fh.sync();
    await fh.close();
    await rename(tmp, path);
  } catch (err) {
    await fh.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw err;
  }
  if (options.syncDir !== false) await fsyncDir(dir);
}
