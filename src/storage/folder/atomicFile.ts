// Files are replaced atomically: temporary file in the same folder, write, fsync,
// rename, fsync the folder. A reader never sees half a file.
import { open, rename, unlink } from 'node:fs/promises';
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

/** Writes path atomically from a string, or from chunks produced by an iterable (streamed). */
export async function writeFileAtomic(
  path: string,
  content: string | Buffer | Iterable<string> | AsyncIterable<string>,
  options: { syncDir?: boolean } = {},
): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'w');
  try {
    if (typeof content === 'string' || Buffer.isBuffer(content)) {
      await fh.writeFile(content);
    } else {
      // Gather small pieces into ~1 MB writes.
      let buf: string[] = [];
      let len = 0;
      for await (const piece of content as AsyncIterable<string>) {
        buf.push(piece);
        len += piece.length;
        if (len >= 1 << 20) {
          await fh.write(buf.join(''));
          buf = [];
          len = 0;
        }
      }
      if (buf.length) await fh.write(buf.join(''));
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
