// Checkpoint files in the Label Studio 0.8 layout: config.json, config.xml,
// tasks.json ({"<id>": task}) and completions/<id>.json. We write tasks.json one task
// a line, which is still the JSON object 0.8 reads and which we read back line by line;
// a tasks.json laid out otherwise (0.8 writes one line) is parsed whole or streamed.
import { closeSync, createReadStream, openSync, readFileSync, readSync } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { createRequire } from 'node:module';
import zlib from 'node:zlib';
import type { CompletionFile, JsonObject, Task } from '../../domain/types.ts';
import { isJsonObject } from '../../domain/types.ts';
import { DamagedFileError } from './journal.ts';
import type { ByteRun } from './textTable.ts';
import type { TaskFacts } from './projectState.ts';
import { writeFileAtomic } from './atomicFile.ts';

const require = createRequire(import.meta.url);

/** Files bigger than this are streamed instead of parsed whole (V8 strings stop near 512 MB). */
const WHOLE_PARSE_LIMIT = 128 * 1024 * 1024;

function damaged(file: string, why: string): DamagedFileError {
  return new DamagedFileError(`Cannot open the project: ${file} ${why}. Fix or remove the file; the server will not start empty over it.`);
}

function toTask(file: string, key: string, value: unknown): Task {
  if (!/^\d+$/.test(key)) throw damaged(file, `has a key "${key}" that is not a task id`);
  if (!isJsonObject(value)) throw damaged(file, `has task ${key} that is not an object`);
  const id = Number(key);
  // The key is the task id; the inner id duplicates it.
  return { ...value, id, data: isJsonObject(value.data) ? value.data : ({} as JsonObject) } as Task;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** What the store does with the lines of our layout (readTasksFile). */
export interface TaskLineReader {
  /**
   * A line of ours, `"<id>": <task JSON>,\n`, from start to end (the newline included) of a
   * Buffer that is never reused: the store keeps these bytes as they are.
   */
  onLine(task: Task, buffer: Buffer, start: number, end: number): void;
  /**
   * The size and CRC-32 of the tasks.json the last checkpoint wrote (tasks.facts.json). When
   * the file is that one, byte for byte, its lines were checked when they were stored: they
   * go to onKnownLine by id, unparsed, and the store takes the indexes' facts from the file
   * that says so.
   */
  known?: FileStamp;
  onKnownLine(id: number, buffer: Buffer, start: number, end: number): void;
  /** The file turned out not to be the known one: forget what onKnownLine took (it is read again). */
  onKnownMismatch(): void;
}

export interface FileStamp {
  size: number;
  crc32: number;
}

/** zlib.crc32 came in Node 20.15; without it no file is taken as known (every line is parsed). */
const crc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/**
 * Reads tasks.json; a missing file is an empty project, a damaged one throws. Each task
 * goes to onTask with its JSON when the file has it as stored; with `lines`, those of our
 * layout go there instead, as bytes. Returns true when the file was the known one (its
 * lines went to lines.onKnownLine).
 */
export async function readTasksFile(
  path: string,
  onTask: (t: Task, text?: string) => void,
  wholeParseLimit = WHOLE_PARSE_LIMIT,
  lines?: TaskLineReader,
): Promise<boolean> {
  if (!(await exists(path))) return false;
  const size = (await stat(path)).size;
  if (await isLineLayout(path)) return readLineLayout(path, onTask, lines);
  if (size <= wholeParseLimit) {
    const parsed = await parseObjectFile(path, 'is not a JSON object keyed by task id');
    for (const [k, v] of Object.entries(parsed)) onTask(toTask(path, k, v));
    return false;
  }
  await streamObject(path, onTask);
  return false;
}

async function isLineLayout(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(64), 0, 64, 0);
    const head = buffer.subarray(0, bytesRead).toString('utf8');
    return head.startsWith('{\n"') || head === '{\n}' || head.startsWith('{\n}\n');
  } finally {
    await fh.close();
  }
}

/** How much of tasks.json is read at a time; the pieces become the store's task texts. */
const LINE_CHUNK = 8 * 1024 * 1024;
/** The largest allocation the pieces are cut from. */
const BLOCK = 1024 * 1024 * 1024;

/**
 * Splits pieces of a file into lines: calls back with the Buffer a line lies in, its start
 * and the index of its newline (the Buffer's end for a last line without one). A line cut
 * between two pieces is copied into a Buffer of its own.
 */
class LineSplitter {
  private cut: Buffer[] = [];

  constructor(private readonly onLine: (data: Buffer, start: number, nl: number) => void) {}

  push(piece: Buffer): void {
    let start = 0;
    let nl = piece.indexOf(0x0a, 0);
    if (this.cut.length && nl >= 0) {
      const joined = Buffer.concat([...this.cut, piece.subarray(0, nl + 1)]);
      this.cut = [];
      this.onLine(joined, 0, joined.length - 1);
      start = nl + 1;
      nl = piece.indexOf(0x0a, start);
    }
    for (; nl >= 0; nl = piece.indexOf(0x0a, start)) {
      this.onLine(piece, start, nl);
      start = nl + 1;
    }
    if (start < piece.length) this.cut.push(piece.subarray(start));
  }

  end(): void {
    if (!this.cut.length) return;
    const last = Buffer.concat(this.cut);
    this.cut = [];
    this.onLine(last, 0, last.length);
  }
}

/**
 * Our layout, `"<id>": <task JSON>,` a line. Read in large pieces (the next one read while
 * this one is handled) and split on newlines by hand (readline made a string of every line
 * and cost most of a start at a million tasks).
 *
 * When tasks.facts.json names a file of this size, the lines are taken as known: handed on
 * by id, unparsed, while the file's CRC-32 is summed. If the sum then differs from the one
 * the facts name (or a line is not one of ours), the file is not the one the checkpoint
 * wrote: the store forgets what it took (lines.onKnownMismatch) and every line is read
 * again, parsed. Parsed, a line of ours (the task's id inside it, data an object) goes to
 * lines.onLine as bytes, kept without a copy; anything else (the last line, without its
 * comma; lines edited by hand) is made a task for onTask.
 */
async function readLineLayout(path: string, onTask: (t: Task, text?: string) => void, lines?: TaskLineReader): Promise<boolean> {
  const fh = await open(path, 'r');
  const pieces: Buffer[] = [];
  let known: boolean;
  let knownFailed = false;
  let crc = 0;
  let parse: LineParser;
  try {
    const size = (await fh.stat()).size;
    known = !!(lines?.known && crc32 && lines.known.size === size);
    parse = lineParser(path, onTask, lines, known, () => (knownFailed = true));
    const splitter = new LineSplitter(parse.line);
    // Pieces are views of one large allocation (up to BLOCK): each allocation of memory
    // outside the heap can start a collection, and a few hundred of them cost more than
    // the reading.
    let block: Buffer | undefined;
    let blockUsed = 0;
    const readAt = (at: number) => {
      const want = Math.max(1, Math.min(LINE_CHUNK, size - at));
      if (!block || block.length - blockUsed < want) {
        block = Buffer.allocUnsafeSlow(Math.max(want, Math.min(BLOCK, size - at)));
        blockUsed = 0;
      }
      const piece = block.subarray(blockUsed, blockUsed + want);
      blockUsed += want;
      return fh.read(piece, 0, want, at);
    };
    let position = 0;
    let next = readAt(0);
    for (;;) {
      const { buffer, bytesRead } = await next;
      if (bytesRead === 0) break;
      position += bytesRead;
      next = readAt(position);
      const piece = bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
      if (known) {
        crc = crc32!(piece, crc);
        pieces.push(piece); // for a second reading, should the file not be the known one
      }
      splitter.push(piece);
    }
    splitter.end();
  } finally {
    await fh.close();
  }
  if (known && (knownFailed || crc !== lines!.known!.crc32)) {
    lines!.onKnownMismatch();
    known = false;
    parse = lineParser(path, onTask, lines, false, () => {});
    const splitter = new LineSplitter(parse.line);
    for (const piece of pieces) splitter.push(piece);
    splitter.end();
  }
  if (!parse.closed()) throw damaged(path, 'ends before its closing "}"');
  return known;
}

interface LineParser {
  line(data: Buffer, start: number, nl: number): void;
  /** Whether the closing "}" was seen. */
  closed(): boolean;
}

/** Handles the lines of tasks.json in our layout, known (unparsed) or not (see readLineLayout). */
function lineParser(path: string, onTask: (t: Task, text?: string) => void, lines: TaskLineReader | undefined, known: boolean, notKnown: () => void): LineParser {
  let lineNo = 0;
  let closed = false;
  let failed = false;
  const line = (data: Buffer, start: number, nl: number) => {
    lineNo++;
    if (failed) return;
    let end = nl;
    if (end > start && data[end - 1] === 0x0d) end--; // CRLF from an editor
    if (lineNo === 1) return; // "{"
    if (end - start === 1 && data[start] === 0x7d) {
      closed = true; // "}"
      return;
    }
    if (closed && end === start) return;
    const comma = data[end - 1] === 0x2c;
    if (comma) end--; // the comma between entries
    // "123": {...}
    let i = start + 1;
    while (i < end && data[i]! >= 0x30 && data[i]! <= 0x39) i++;
    const ours = data[start] === 0x22 && i > start + 1 && data[i] === 0x22 && data[i + 1] === 0x3a && data[i + 2] === 0x20;
    if (known) {
      // Written by us: every entry line is ours. The last one has no comma; it is stored
      // as the others are.
      if (!ours || i - start > 16) {
        failed = true; // not the file the facts were written with: it is read again, parsed
        notKnown();
        return;
      }
      let id = 0;
      for (let d = start + 1; d < i; d++) id = id * 10 + data[d]! - 0x30;
      if (comma && end + 1 === nl) lines!.onKnownLine(id, data, start, nl + 1);
      else {
        const own = Buffer.allocUnsafeSlow(end - start + 2);
        data.copy(own, 0, start, end);
        own.write(',\n', end - start, 'latin1');
        lines!.onKnownLine(id, own, 0, own.length);
      }
      return;
    }
    if (ours) {
      const key = data.toString('latin1', start + 1, i);
      const text = data.toString('utf8', i + 3, end);
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        throw damaged(path, `line ${lineNo} does not parse (${(err as Error).message})`);
      }
      const id = Number(key);
      // Our own lines hold the task as it is stored: keep their bytes (or text). Anything
      // else is made a task first (toTask) and stored as that task's JSON.
      if (isJsonObject(value) && value.id === id && isJsonObject(value.data) && String(id) === key) {
        if (lines && comma && end + 1 === nl) lines.onLine(value as unknown as Task, data, start, nl + 1);
        else onTask(value as unknown as Task, text);
      } else onTask(toTask(path, key, value));
      return;
    }
    // Not one entry of ours (edited by hand): read the line as part of an object.
    let entry: unknown;
    try {
      entry = JSON.parse('{' + data.toString('utf8', start, end) + '}');
    } catch (err) {
      throw damaged(path, `line ${lineNo} does not parse (${(err as Error).message})`);
    }
    for (const [k, v] of Object.entries(entry as JsonObject)) onTask(toTask(path, k, v));
  };
  return { line, closed: () => closed };
}

async function streamObject(path: string, onTask: (t: Task) => void): Promise<void> {
  const { parser } = require('stream-json') as typeof import('stream-json');
  const { streamObject: streamer } = require('stream-json/streamers/StreamObject.js') as typeof import('stream-json/streamers/StreamObject.js');
  await new Promise<void>((resolve, reject) => {
    const pipeline = createReadStream(path).pipe(parser()).pipe(streamer());
    pipeline.on('data', ({ key, value }: { key: string; value: unknown }) => {
      try {
        onTask(toTask(path, key, value));
      } catch (err) {
        pipeline.destroy(err as Error);
      }
    });
    pipeline.on('end', resolve);
    pipeline.on('error', (err: Error) => reject(err instanceof DamagedFileError ? err : damaged(path, `does not parse as a JSON object (${err.message})`)));
  });
}

/**
 * tasks.json in our layout from the tasks' lines (`"<id>": <JSON>,\n` each, in id order)
 * as runs of bytes in memory: written as they lie, the last line without its comma.
 */
export function* tasksFilePieces(runs: readonly ByteRun[]): Generator<Buffer> {
  yield Buffer.from('{\n');
  for (let i = 0; i < runs.length; i++) {
    const { chunk, start, end } = runs[i]!;
    if (i < runs.length - 1) yield chunk.subarray(start, end);
    else {
      yield chunk.subarray(start, end - 2); // ",\n"
      yield Buffer.from('\n');
    }
  }
  yield Buffer.from('}\n');
}

/** Passes the pieces on, counting their size and CRC-32 into stamp (crc32 stays 0 without zlib.crc32). */
export function* stampedPieces(pieces: Iterable<Buffer>, stamp: FileStamp): Generator<Buffer> {
  for (const piece of pieces) {
    stamp.size += piece.length;
    if (crc32) stamp.crc32 = crc32(piece, stamp.crc32);
    yield piece;
  }
}

/** tasks.facts.json: the stamp of the tasks.json written with it and the indexes' facts of its tasks. */
export async function writeTaskFacts(path: string, stamp: FileStamp, facts: TaskFacts): Promise<void> {
  if (!crc32) return; // no stamp, no use
  await writeFileAtomic(path, JSON.stringify({ size: stamp.size, crc32: stamp.crc32, count: facts.count, dataKeys: facts.dataKeys, scores: facts.scores }));
}

/**
 * tasks.facts.json, or undefined when it is missing or not as we write it: it is derived
 * from tasks.json, which is then read line by line (slower, never wrong).
 */
export async function readTaskFacts(path: string): Promise<{ stamp: FileStamp; facts: TaskFacts } | undefined> {
  let v: unknown;
  try {
    v = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    return undefined;
  }
  if (!isJsonObject(v) || typeof v.size !== 'number' || typeof v.crc32 !== 'number' || typeof v.count !== 'number') return undefined;
  if (!Array.isArray(v.dataKeys) || !Array.isArray(v.scores)) return undefined;
  const pairOf = (key: 'string' | 'number') => (p: unknown) => Array.isArray(p) && p.length === 2 && typeof p[0] === key && typeof p[1] === 'number';
  if (!v.dataKeys.every(pairOf('string')) || !v.scores.every(pairOf('number'))) return undefined;
  return { stamp: { size: v.size, crc32: v.crc32 }, facts: { count: v.count, dataKeys: v.dataKeys as TaskFacts['dataKeys'], scores: v.scores as TaskFacts['scores'] } };
}

/** A task's line in tasks.json as the store keeps it (tasksFilePieces writes these). */
export function taskLine(id: number, json: string): string {
  return `"${id}": ${json},\n`;
}

/** Bytes before a task's JSON in its line: `"<id>": `. */
export function taskLinePrefix(id: number): number {
  return String(id).length + 4;
}

/**
 * Every *.json below completions/ (0.8 reads the folder recursively); the base name is
 * the task id. 0.8 failed on a non-numeric name; such files are ignored here.
 */
export async function readCompletionFiles(dir: string, onFile: (file: CompletionFile, relPath: string) => void): Promise<void> {
  if (!(await exists(dir))) return;
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const paths: string[] = [];
  for (const e of entries) {
    if (!e.isFile() || !/^\d+\.json$/.test(e.name)) continue;
    paths.push(join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
  }
  // Read synchronously: this runs before the server listens, and for hundreds of
  // thousands of small files the promise API's per-file bookkeeping (open, fstat, read,
  // close as separate round trips) costs several times the reading itself.
  const scratch = Buffer.allocUnsafe(SMALL_FILE);
  for (const path of paths) {
    const parsed = objectFromText(path, readSmallFile(path, scratch));
    const id = Number(path.slice(path.lastIndexOf('/') + 1, -'.json'.length));
    const completions = Array.isArray(parsed.completions) ? parsed.completions : [];
    onFile({ ...parsed, id, data: isJsonObject(parsed.data) ? parsed.data : {}, completions } as CompletionFile, relative(dir, path));
  }
}

/** Files below this size are read with one read(2) into a scratch Buffer. */
const SMALL_FILE = 64 * 1024;

/**
 * A file's text: open, one read, close (readFileSync also asks the size first, a fourth
 * round trip into the kernel for each of many small files). Larger files are read whole.
 */
function readSmallFile(path: string, scratch: Buffer): string {
  const fd = openSync(path, 'r');
  let n: number;
  try {
    n = readSync(fd, scratch, 0, scratch.length, 0);
  } finally {
    closeSync(fd);
  }
  return n < scratch.length ? scratch.toString('utf8', 0, n) : readFileSync(path, 'utf8');
}

/** A file that must hold one JSON object; anything else is damage, named with the file. */
function objectFromText(path: string, text: string, notObject = 'is not a JSON object'): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw damaged(path, `does not parse as JSON (${(err as Error).message})`);
  }
  if (!isJsonObject(parsed)) throw damaged(path, notObject);
  return parsed;
}

async function parseObjectFile(path: string, notObject?: string): Promise<JsonObject> {
  return objectFromText(path, await readFile(path, 'utf8'), notObject);
}

export async function readJsonObjectFile(path: string): Promise<JsonObject | undefined> {
  return (await exists(path)) ? parseObjectFile(path) : undefined;
}
