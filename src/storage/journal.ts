// The journal: changes since the last checkpoint, one JSON record a line. A change is
// acknowledged only after its line is on disk; concurrent changes share one fdatasync
// (group commit). Each record carries the entity's whole new state, so replaying a
// record twice is harmless.
import { open, rename, stat, truncate, readFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { fsyncDir } from './atomicFile.ts';
import { dirname } from 'node:path';

type Op =
  | { kind: 'line'; text: string; resolve: () => void; reject: (e: Error) => void }
  | { kind: 'rotate'; to: string; resolve: () => void; reject: (e: Error) => void };

export class DamagedFileError extends Error {}

export class Journal {
  private queue: Op[] = [];
  private running = false;
  private failure: Error | null = null;
  bytes = 0;
  /** Disk flushes so far: fewer than appends when writes arrive together (group commit). */
  flushes = 0;

  private constructor(
    readonly path: string,
    private fh: FileHandle,
  ) {}

  static async open(path: string): Promise<Journal> {
    const fh = await open(path, 'a');
    const j = new Journal(path, fh);
    j.bytes = (await fh.stat()).size;
    return j;
  }

  /** Queues a record, serialized by the caller as one JSON line; resolves once it is durable. */
  append(line: string): Promise<void> {
    const text = line + '\n';
    return this.enqueue((resolve, reject) => ({ kind: 'line', text, resolve, reject }));
  }

  /** After every line queued so far, moves the journal to `to` and starts a fresh one. */
  rotate(to: string): Promise<void> {
    return this.enqueue((resolve, reject) => ({ kind: 'rotate', to, resolve, reject }));
  }

  private enqueue(make: (resolve: () => void, reject: (e: Error) => void) => Op): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<void>((resolve, reject) => {
      this.queue.push(make(resolve, reject));
      if (!this.running) void this.run();
    });
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length) {
        const head = this.queue[0]!;
        if (head.kind === 'rotate') {
          this.queue.shift();
          try {
            await this.fh.close();
            await rename(this.path, head.to);
            this.fh = await open(this.path, 'a');
            this.bytes = 0;
            await fsyncDir(dirname(this.path));
            head.resolve();
          } catch (err) {
            this.fail(err as Error, [head]);
          }
          continue;
        }
        const batch: Extract<Op, { kind: 'line' }>[] = [];
        while (this.queue.length && this.queue[0]!.kind === 'line') batch.push(this.queue.shift() as Extract<Op, { kind: 'line' }>);
        try {
          const text = batch.map((op) => op.text).join('');
          await this.fh.write(text);
          await this.fh.datasync();
          this.flushes++;
          this.bytes += Buffer.byteLength(text);
          for (const op of batch) op.resolve();
        } catch (err) {
          this.fail(err as Error, batch);
        }
      }
    } finally {
      this.running = false;
    }
  }

  /** A write that fails leaves memory ahead of disk: refuse every later write. */
  private fail(err: Error, ops: Op[]): void {
    this.failure = new Error(`Journal ${this.path} could not be written: ${err.message}`);
    for (const op of [...ops, ...this.queue.splice(0)]) op.reject(this.failure);
  }

  /** Resolves when everything queued so far is on disk (an empty write through the queue). */
  async drain(): Promise<void> {
    if (this.queue.length || this.running) await this.enqueue((resolve, reject) => ({ kind: 'line', text: '', resolve, reject }));
  }

  async close(): Promise<void> {
    await this.drain().catch(() => {});
    await this.fh.close().catch(() => {});
  }
}

/**
 * Reads a journal's records. A last line cut short by a crash (no newline, or not JSON)
 * is dropped and the file truncated to the last whole line; a bad line before the end
 * is damage and refuses the project.
 */
export async function readJournal(path: string): Promise<unknown[]> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    return [];
  }
  if (size === 0) return [];
  const text = await readFile(path, 'utf8');
  const records: unknown[] = [];
  let start = 0;
  let goodEnd = 0;
  let line = 0;
  while (start < text.length) {
    line++;
    const nl = text.indexOf('\n', start);
    const isLast = nl === -1 || nl === text.length - 1;
    const body = nl === -1 ? text.slice(start) : text.slice(start, nl);
    let record: unknown;
    let ok = nl !== -1;
    if (ok) {
      try {
        record = JSON.parse(body);
      } catch {
        ok = false;
      }
    }
    if (!ok) {
      if (!isLast) throw new DamagedFileError(`${path} line ${line} is not a JSON record; the journal is damaged.`);
      break; // torn tail
    }
    records.push(record);
    start = nl + 1;
    goodEnd += Buffer.byteLength(body) + 1;
  }
  if (goodEnd < size) await truncate(path, goodEnd);
  return records;
}
