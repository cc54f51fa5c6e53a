// JSON files (config-and-import §2.7): an object is one task, an array a list of tasks.
// Arrays are read with a streaming parser (stream-json), element by element, so a 200 MB
// file never becomes one 200 MB string; anything else is parsed at once, up to the upload
// limit. Either way a file nests at most MAX_JSON_DEPTH levels, as a JSON body does.
import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Writable, type Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MAX_JSON_DEPTH, nestedDeeperThan } from '../util/json.ts';
import { assertReadableWhole, ImportFailure, InputProblem } from './errors.ts';
import { setOwn } from './ownKeys.ts';
import type { CollectContext, InputFile } from './types.ts';
import { assertUtf8, utf8Guard } from './utf8.ts';

// stream-json 1.x is CommonJS.
const require = createRequire(import.meta.url);
const { parser } = require('stream-json') as { parser: (options?: { streamValues?: boolean }) => Duplex };

const BOM = [0xef, 0xbb, 0xbf];
const PEEK_BYTES = 64 * 1024;
const TOO_DEEP = `JSON is nested deeper than ${MAX_JSON_DEPTH} levels`;

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

type Container = Record<string, unknown> | unknown[];

/**
 * Builds the elements of a top-level array from stream-json's tokens. Not stream-json's
 * Assembler: that one assigns obj[key] = value (a "__proto__" key became the prototype)
 * and builds any depth; this one refuses to open a level past MAX_JSON_DEPTH (the file's
 * own array counting as the first, as a JSON body's does) before building it.
 */
export class ArrayItems {
  private opened = false;
  /** Containers open below the file's array; their keys pending in the parent. */
  private readonly stack: Container[] = [];
  private readonly parentKeys: (string | undefined)[] = [];
  private key: string | undefined;

  constructor(private readonly onItem: (item: unknown) => void) {}

  token(name: string, value?: string): void {
    switch (name) {
      case 'startObject':
      case 'startArray':
        if (!this.opened) {
          this.opened = true;
          return;
        }
        if (this.stack.length + 2 > MAX_JSON_DEPTH) throw new InputProblem(TOO_DEEP);
        this.parentKeys.push(this.key);
        this.key = undefined;
        this.stack.push(name === 'startObject' ? {} : []);
        return;
      case 'endObject':
      case 'endArray': {
        const done = this.stack.pop();
        if (done === undefined) return; // the file's array
        this.key = this.parentKeys.pop();
        return this.value(done);
      }
      case 'keyValue':
        this.key = value;
        return;
      case 'stringValue':
        return this.value(value);
      case 'numberValue':
        return this.value(Number(value));
      case 'nullValue':
        return this.value(null);
      case 'trueValue':
        return this.value(true);
      case 'falseValue':
        return this.value(false);
    }
  }

  private value(v: unknown): void {
    const top = this.stack[this.stack.length - 1];
    if (top === undefined) this.onItem(v);
    else if (Array.isArray(top)) top.push(v);
    else setOwn(top, this.key!, v);
  }
}

export async function collectJson(file: InputFile, ctx: Pick<CollectContext, 'collector' | 'maxBytes'>): Promise<void> {
  const { path, name } = file;
  const { collector } = ctx;
  const { start, first } = await peek(path);
  if (first === '[') {
    const items = new ArrayItems((item) => collector.add(item));
    await pipeline(
      createReadStream(path, { start }),
      utf8Guard(),
      parser({ streamValues: false }),
      new Writable({
        objectMode: true,
        write(token: { name: string; value?: string }, _enc, done) {
          try {
            items.token(token.name, token.value);
          } catch (err) {
            return done(err as Error);
          }
          done();
        },
      }),
    );
    return;
  }
  assertReadableWhole(file, ctx.maxBytes);
  const bytes = await readFile(path);
  const body = bytes.subarray(start);
  assertUtf8(body);
  let value: unknown;
  try {
    // JSON.parse keeps "__proto__" as an own key.
    value = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new InputProblem((err as Error).message);
  }
  if (value === null) throw new ImportFailure(`null in ${name} is not allowed`);
  if (typeof value !== 'object') {
    throw new ImportFailure(`Incorrect task type in ${name}: "${String(value).slice(0, 100)}". It is allowed "dict" or "list of dicts" only`);
  }
  if (nestedDeeperThan(value, MAX_JSON_DEPTH)) throw new InputProblem(TOO_DEEP);
  collector.add(value);
}
