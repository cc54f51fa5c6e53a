// The journal: changes since the last checkpoint, one JSON record a line. A change is
// acknowledged only after its line is on disk; concurrent changes share one fdatasync
// (group commit). Each record carries the entity's whole new state, so replaying a
// record twice is harmless.
import { open, rename, stat, truncate, readFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { fsyncDir } from './atomicFile.ts';
import { dirname } from 'node:path';

/** What to do if a queued record is never written: undo what it did to memory. */
export type Undo = () => void;

type LineOp = { kind: 'line'; text: string; undo?: Undo; resolve: () => void; reject: (e: Error) => void };
type RotateOp = { kind: 'rotate'; to: string; resolve: () => void; reject: (e: Error) => void };
type Op = LineOp | RotateOp;

export class DamagedFileError extends Error {}

export interface JournalHooks {
  /** A write failed after the journal had been healthy (called once per failing spell). */
  onFailure?: (err: NodeJS.ErrnoException) => void;
  /** A write succeeded again after a failure. */
  onRecovery?: () => void;
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

export class Journal {
  private queue: Op[] = [];
  private running = false;
  /** Length of the whole, durable records in the file: a failed write is cut back to it. */
  bytes = 0;
  /** A failed write may have left part of a record at the end: cut before the next write. */
  private tornTail = false;
  /** The error of the last failed write, until a write succeeds again. */
  failing: NodeJS.ErrnoException | null = null;
  /** Disk flushes so far: fewer than appends when writes arrive together (group commit). */
  flushes = 0;

  private constructor(
    readonly path: string,
    private fh: FileHandle,
    private readonly hooks: JournalHooks,
    private readonly openFile: (path: string) => Promise<FileHandle>,
  ) {}

  /** `openFile` opens the file for appending (a test may wrap the handle to inject faults). */
  static async open(path: string, hooks: JournalHooks = {}, openFile: (path: string) => Promise<FileHandle> = (p) => open(p, 'a')): Promise<Journal> {
    const fh = await openFile(path);
    const j = new Journal(path, fh, hooks, openFile);
    j.bytes = (await fh.stat()).size;
    return j;
  }

  /**
   * Queues a record, serialized by the caller as one JSON line; resolves once it is durable.
   * If it cannot be written, `undo` runs before the promise rejects: for it, and for every
   * record queued after it, newest first (later records may build on earlier ones).
   */
  append(line: string, undo?: Undo): Promise<void> {
    const text = line + '\n';
    return this.enqueue((resolve, reject) => ({ kind: 'line', text, undo, resolve, reject }));
  }

  /** After every line queued so far, moves the journal to `to` and starts a fresh one. */
  rotate(to: string): Promise<void> {
    return this.enqueue((resolve, reject) => ({ kind: 'rotate', to, resolve, reject }));
  }

  private enqueue(make: (resolve: () => void, reject: (e: Error) => void) => Op): Promise<void> {
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
          await this.rotateNow(head);
          continue;
        }
        const batch: LineOp[] = [];
        while (this.queue.length && this.queue[0]!.kind === 'line') batch.push(this.queue.shift() as LineOp);
        const buf = Buffer.from(batch.map((op) => op.text).join(''));
        try {
          if (this.tornTail) await this.cutTornTail();
          await writeAll(this.fh, buf);
          await this.fh.datasync();
          this.flushes++;
          this.bytes += buf.length;
          if (this.failing) {
            this.failing = null;
            this.hooks.onRecovery?.();
          }
          for (const op of batch) op.resolve();
        } catch (err) {
          await this.failed(err as NodeJS.ErrnoException, batch);
        }
      }
    } finally {
      this.running = false;
    }
  }

  private async rotateNow(op: RotateOp): Promise<void> {
    try {
      if (this.tornTail) await this.cutTornTail();
      await this.fh.close();
      try {
        await rename(this.path, op.to);
      } finally {
        // Renamed or not, writes go on in a file at this.path.
        this.fh = await this.openFile(this.path);
      }
      this.bytes = (await this.fh.stat()).size;
      await fsyncDir(dirname(this.path));
      op.resolve();
    } catch (err) {
      op.reject(err as Error);
    }
  }

  private async cutTornTail(): Promise<void> {
    await this.fh.truncate(this.bytes);
    await this.fh.datasync();
    this.tornTail = false;
  }

  /**
   * A write failed: nothing of the batch, nor of what was queued behind it, is acknowledged.
   * Their changes to memory are undone, newest first, before anyone hears of the failure;
   * the part of the batch that reached the file is cut off now if possible, else before the
   * next write. The journal stays open: the next write tries again (the disk may have room
   * by then).
   */
  private async failed(err: NodeJS.ErrnoException, batch: LineOp[]): Promise<void> {
    this.tornTail = true;
    const dropped = [...batch, ...this.queue.splice(0)];
    for (let i = dropped.length - 1; i >= 0; i--) {
      const op = dropped[i]!;
      if (op.kind === 'line') op.undo?.();
    }
    if (!this.failing) this.hooks.onFailure?.(err);
    this.failing = err;
    for (const op of dropped) op.reject(err);
    await this.cutTornTail().catch(() => {});
  }

  /** Resolves when everything queued so far has been written or has failed. */
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
