// Uploaded files as rows: uploads (name, size, time) and upload_chunks (the bytes in fixed
// chunks). A file is written in one transaction, a chunk at a time, so neither the server
// nor the database holds a whole file in memory; a ranged read fetches only the chunks it
// covers, cut with substring().
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { AppError } from '../../errors.ts';
import type { StoredUpload, UploadStore } from '../store.ts';
import type { PostgresDatabase, Queryable } from './database.ts';

/** Bytes per chunk row: large enough that a file is few rows, small enough to pass around. */
export const CHUNK_BYTES = 256 * 1024;

/**
 * Whether name can be a stored file's name: one plain segment, as in an upload/ folder
 * (no separators, no NUL, nothing starting with a dot, so never "." or "..").
 */
export function isUploadName(name: string): boolean {
  return name.length > 0 && name.length <= 1024 && !/[/\\\0]/.test(name) && !name.startsWith('.');
}

/** The file's bytes in CHUNK_BYTES pieces (the last one shorter). */
async function* fixedChunks(path: string): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let size = 0;
  for await (const piece of createReadStream(path, { highWaterMark: CHUNK_BYTES }) as AsyncIterable<Buffer>) {
    let b = piece;
    while (size + b.length >= CHUNK_BYTES) {
      const take = CHUNK_BYTES - size;
      pending.push(b.subarray(0, take));
      yield Buffer.concat(pending, CHUNK_BYTES);
      b = b.subarray(take);
      pending = [];
      size = 0;
    }
    if (b.length) {
      pending.push(b);
      size += b.length;
    }
  }
  if (size) yield Buffer.concat(pending, size);
}

export class PostgresUploads implements UploadStore {
  constructor(
    private readonly db: PostgresDatabase,
    private readonly projectId: number,
  ) {}

  async put(files: readonly { name: string; tempPath: string }[]): Promise<string[]> {
    for (const f of files) if (!isUploadName(f.name)) throw new Error(`Not an upload name: ${JSON.stringify(f.name)}`);
    if (files.length === 0) return [];
    return this.db.transaction(async (c) => {
      const added: string[] = [];
      for (const f of files) {
        // Named by content (md5): a file of that name is these bytes, uploaded before, unless
        // someone made an md5 collision, which is refused rather than served in their place.
        const claimed = await c.query('INSERT INTO uploads (project_id, name, size) VALUES ($1, $2, 0) ON CONFLICT DO NOTHING RETURNING name', [this.projectId, f.name]);
        if (claimed.rowCount === 0) {
          if (await this.sameBytes(c, f.name, f.tempPath)) continue;
          throw new AppError('upload_conflict', `A different file is already stored as upload/${f.name} (same md5 and name, other bytes); nothing was imported`);
        }
        await this.writeChunks(c, f.name, f.tempPath);
        added.push(f.name);
      }
      return added;
    });
  }

  /** Whether the stored file holds the bytes of the file at path, compared a chunk at a time. */
  private async sameBytes(c: Queryable, name: string, path: string): Promise<boolean> {
    const { rows } = await c.query<{ size: string | number }>('SELECT size FROM uploads WHERE project_id = $1 AND name = $2', [this.projectId, name]);
    let n = 0;
    let size = 0;
    for await (const chunk of fixedChunks(path)) {
      const { rows: stored } = await c.query<{ bytes: Buffer }>('SELECT bytes FROM upload_chunks WHERE project_id = $1 AND name = $2 AND n = $3', [this.projectId, name, n++]);
      if (!stored[0]?.bytes.equals(chunk)) return false;
      size += chunk.length;
    }
    return Number(rows[0]?.size) === size;
  }

  private async writeChunks(c: Queryable, name: string, path: string): Promise<void> {
    let n = 0;
    let size = 0;
    for await (const chunk of fixedChunks(path)) {
      await c.query('INSERT INTO upload_chunks (project_id, name, n, bytes) VALUES ($1, $2, $3, $4)', [this.projectId, name, n++, chunk]);
      size += chunk.length;
    }
    await c.query('UPDATE uploads SET size = $3, modified = now() WHERE project_id = $1 AND name = $2', [this.projectId, name, size]);
  }

  async remove(names: readonly string[]): Promise<void> {
    if (names.length === 0) return;
    await this.db.query('DELETE FROM uploads WHERE project_id = $1 AND name = ANY($2::text[])', [this.projectId, [...names]]);
  }

  async *list(): AsyncIterable<string> {
    const { rows } = await this.db.query<{ name: string }>('SELECT name FROM uploads WHERE project_id = $1 ORDER BY name', [this.projectId]);
    for (const r of rows) yield r.name;
  }

  async get(name: string): Promise<StoredUpload | undefined> {
    if (!isUploadName(name)) return undefined;
    const { rows } = await this.db.query<{ size: number; modified: Date }>('SELECT size, modified FROM uploads WHERE project_id = $1 AND name = $2', [this.projectId, name]);
    const row = rows[0];
    if (!row) return undefined;
    const { db, projectId } = this;
    const size = row.size;
    return {
      size,
      modified: row.modified,
      stream(start = 0, end = size - 1): Readable {
        const last = Math.min(end, size - 1);
        async function* bytes(): AsyncGenerator<Buffer> {
          for (let pos = Math.max(0, start); pos <= last; ) {
            const n = Math.floor(pos / CHUNK_BYTES);
            const from = pos - n * CHUNK_BYTES;
            const length = Math.min(CHUNK_BYTES - from, last - pos + 1);
            const { rows: chunk } = await db.query<{ bytes: Buffer }>(
              'SELECT substring(bytes FROM $4 FOR $5) AS bytes FROM upload_chunks WHERE project_id = $1 AND name = $2 AND n = $3',
              [projectId, name, n, from + 1, length],
            );
            // Removed while being read: the stream ends with an error rather than short.
            if (!chunk[0]) throw new Error(`Upload ${name} was removed while being read`);
            yield chunk[0].bytes;
            pos += length;
          }
        }
        return Readable.from(bytes(), { objectMode: false });
      },
    };
  }
}
