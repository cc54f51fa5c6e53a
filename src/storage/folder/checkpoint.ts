// Checkpoint files in the Label Studio 0.8 layout: config.json, config.xml,
// tasks.json ({"<id>": task}) and completions/<id>.json. We write tasks.json one task
// a line, which is still the JSON object 0.8 reads and which we read back line by line;
// a tasks.json laid out otherwise (0.8 writes one line) is parsed whole or streamed.
import { createReadStream, readFileSync } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { createRequire } from 'node:module';
import type { CompletionFile, JsonObject, Task } from '../../domain/types.ts';
import { isJsonObject } from '../../domain/types.ts';
import { DamagedFileError } from './journal.ts';

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

/** Reads tasks.json; a missing file is an empty project, a damaged one throws. */
export async function readTasksFile(path: string, onTask: (t: Task, text?: string) => void, wholeParseLimit = WHOLE_PARSE_LIMIT): Promise<void> {
  if (!(await exists(path))) return;
  const size = (await stat(path)).size;
  if (await isLineLayout(path)) return readLineLayout(path, onTask);
  if (size <= wholeParseLimit) {
    const parsed = await parseObjectFile(path, 'is not a JSON object keyed by task id');
    for (const [k, v] of Object.entries(parsed)) onTask(toTask(path, k, v));
    return;
  }
  await streamObject(path, onTask);
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

const LINE_CHUNK = 4 * 1024 * 1024;

/**
 * Our layout, `"<id>": <task JSON>,` a line. Read in large chunks and split on newlines by
 * hand (readline made a string of every line and cost most of a start at a million
 * tasks); each task's JSON is decoded straight from the bytes and handed on as the text
 * the store keeps, with the object parsed from it for the indexes.
 */
async function readLineLayout(path: string, onTask: (t: Task, text?: string) => void): Promise<void> {
  const fh = await open(path, 'r');
  let lineNo = 0;
  let closed = false;
  const line = (data: Buffer, start: number, end: number) => {
    lineNo++;
    if (end > start && data[end - 1] === 0x0d) end--; // CRLF from an editor
    if (lineNo === 1) return; // "{"
    if (end - start === 1 && data[start] === 0x7d) {
      closed = true; // "}"
      return;
    }
    if (closed && end === start) return;
    if (data[end - 1] === 0x2c) end--; // the comma between entries
    // "123": {...}
    let i = start + 1;
    while (i < end && data[i]! >= 0x30 && data[i]! <= 0x39) i++;
    if (data[start] === 0x22 && i > start + 1 && data[i] === 0x22 && data[i + 1] === 0x3a && data[i + 2] === 0x20) {
      const key = data.toString('latin1', start + 1, i);
      const text = data.toString('utf8', i + 3, end);
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        throw damaged(path, `line ${lineNo} does not parse (${(err as Error).message})`);
      }
      const id = Number(key);
      // Our own lines hold the task as it is stored: keep their text. Anything else is
      // made a task first (toTask) and stored as that task's JSON.
      if (isJsonObject(value) && value.id === id && isJsonObject(value.data)) onTask(value as unknown as Task, text);
      else onTask(toTask(path, key, value));
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
  try {
    let carry: Buffer = Buffer.alloc(0);
    let position = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(LINE_CHUNK);
      const { bytesRead } = await fh.read(chunk, 0, LINE_CHUNK, position);
      position += bytesRead;
      const data = carry.length ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
      let start = 0;
      for (let nl = data.indexOf(0x0a, start); nl >= 0; nl = data.indexOf(0x0a, start)) {
        line(data, start, nl);
        start = nl + 1;
      }
      if (bytesRead === 0) {
        if (start < data.length) line(data, start, data.length);
        break;
      }
      carry = Buffer.from(data.subarray(start));
    }
  } finally {
    await fh.close();
  }
  if (!closed) throw damaged(path, 'ends before its closing "}"');
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

/** Lines of tasks.json in our layout from each task's JSON, for a streamed atomic write. */
export function* tasksFileLines(tasks: readonly (readonly [id: number, json: string])[]): Generator<string> {
  yield '{\n';
  for (let i = 0; i < tasks.length; i++) {
    const [id, json] = tasks[i]!;
    yield `"${id}": ${json}${i === tasks.length - 1 ? '' : ','}\n`;
  }
  yield '}\n';
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
  for (const path of paths) {
    const parsed = objectFromText(path, readFileSync(path, 'utf8'));
    const id = Number(path.slice(path.lastIndexOf('/') + 1, -'.json'.length));
    const completions = Array.isArray(parsed.completions) ? parsed.completions : [];
    onFile({ ...parsed, id, data: isJsonObject(parsed.data) ? parsed.data : {}, completions } as CompletionFile, relative(dir, path));
  }
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
