// Checkpoint files in the Label Studio 0.8 layout: config.json, config.xml,
// tasks.json ({"<id>": task}) and completions/<id>.json. We write tasks.json one task
// a line, which is still the JSON object 0.8 reads and which we read back line by line;
// a tasks.json laid out otherwise (0.8 writes one line) is parsed whole or streamed.
import { createReadStream, readFileSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
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
export async function readTasksFile(path: string, onTask: (t: Task) => void, wholeParseLimit = WHOLE_PARSE_LIMIT): Promise<void> {
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
  const fh = await (await import('node:fs/promises')).open(path, 'r');
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(64), 0, 64, 0);
    const head = buffer.subarray(0, bytesRead).toString('utf8');
    return head.startsWith('{\n"') || head === '{\n}' || head.startsWith('{\n}\n');
  } finally {
    await fh.close();
  }
}

async function readLineLayout(path: string, onTask: (t: Task) => void): Promise<void> {
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let lineNo = 0;
  let closed = false;
  for await (const raw of rl) {
    lineNo++;
    if (lineNo === 1) continue; // "{"
    if (raw === '}') {
      closed = true;
      continue;
    }
    if (closed && raw === '') continue;
    const line = raw.endsWith(',') ? raw.slice(0, -1) : raw;
    let entry: unknown;
    try {
      entry = JSON.parse('{' + line + '}');
    } catch (err) {
      throw damaged(path, `line ${lineNo} does not parse (${(err as Error).message})`);
    }
    for (const [k, v] of Object.entries(entry as JsonObject)) onTask(toTask(path, k, v));
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

/** Lines of tasks.json in our layout, for a streamed atomic write. */
export function* tasksFileLines(tasks: Task[]): Generator<string> {
  yield '{\n';
  for (let i = 0; i < tasks.length; i++) {
    const t = tasks[i]!;
    yield `${JSON.stringify(String(t.id))}: ${JSON.stringify(t)}${i === tasks.length - 1 ? '' : ','}\n`;
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
