// JSON files (config-and-import §2.7): an object is one task, an array a list of tasks.
// Arrays are read with a streaming parser (stream-json), element by element, so a 200 MB
// file never becomes one 200 MB string; anything else is small enough to parse at once.
import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Writable, type Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ImportFailure, InputProblem } from './errors.ts';
import type { TaskCollector } from './types.ts';
import { assertUtf8, utf8Guard } from './utf8.ts';

// stream-json 1.x is CommonJS.
const require = createRequire(import.meta.url);
const { parser } = require('stream-json') as { parser: () => Duplex };
const { streamArray } = require('stream-json/streamers/StreamArray') as { streamArray: () => Duplex };

const BOM = [0xef, 0xbb, 0xbf];
const PEEK_BYTES = 64 * 1024;

/** Offset after a UTF-8 BOM (0.8's parser choked on one; we skip it) and the first other character. */
async function peek(path: string): Promise<{ start: number; first: string | undefined }> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(PEEK_BYTES);
    const { bytesRead } = await fh.read(buf, 0, PEEK_BYTES, 0);
    const start = bytesRead >= 3 && BOM.every((b, i) => buf[i] === b) ? 3 : 0;
    const text = buf.subarray(start, bytesRead).toString('latin1');
    const m = /[^ \t\r\n]/.exec(text);
    return { start, first: m?.[0] };
  } finally {
    await fh.close();
  }
}

export async function collectJson(path: string, name: string, collector: TaskCollector): Promise<void> {
  const { start, first } = await peek(path);
  if (first === '[') {
    await pipeline(
      createReadStream(path, { start }),
      utf8Guard(),
      parser(),
      streamArray(),
      new Writable({
        objectMode: true,
        write(entry: { value: unknown }, _enc, done) {
          collector.add(entry.value);
          done();
        },
      }),
    );
    return;
  }
  const bytes = await readFile(path);
  const body = bytes.subarray(start);
  assertUtf8(body);
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new InputProblem((err as Error).message);
  }
  if (value === null) throw new ImportFailure(`null in ${name} is not allowed`);
  if (typeof value !== 'object') {
    throw new ImportFailure(`Incorrect task type in ${name}: "${String(value).slice(0, 100)}". It is allowed "dict" or "list of dicts" only`);
  }
  collector.add(value);
}
