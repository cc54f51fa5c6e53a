// TXT files (config-and-import §2.6): one task per line, the line going to the first data
// key. Lines end with \n, \r\n or \r; a final line end adds no empty task, but empty
// lines inside do, and nothing is trimmed (a BOM stays in the first line, as in 0.8).
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import type { TaskCollector } from './types.ts';
import { UNDEFINED_KEY } from './types.ts';
import { utf8Guard } from './utf8.ts';

/** Splits text arriving in chunks into lines; a "\r" at a chunk's end waits for a "\n". */
export class LineSplitter {
  private rest = '';

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: string): void {
    const text = this.rest + chunk;
    const eol = /\r\n|\r|\n/g;
    let start = 0;
    for (let m = eol.exec(text); m; m = eol.exec(text)) {
      if (m[0] === '\r' && m.index === text.length - 1) break; // maybe the first half of \r\n
      this.onLine(text.slice(start, m.index));
      start = m.index + m[0].length;
    }
    this.rest = text.slice(start);
  }

  end(): void {
    const text = this.rest.endsWith('\r') ? this.rest.slice(0, -1) : this.rest;
    if (this.rest !== '') this.onLine(text);
    this.rest = '';
  }
}

export async function collectLines(path: string, collector: TaskCollector): Promise<void> {
  const lines = new LineSplitter((line) => collector.add({ data: { [UNDEFINED_KEY]: line } }));
  await pipeline(
    createReadStream(path),
    utf8Guard(),
    new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
      final(done) {
        lines.end();
        done();
      },
    }),
  );
}
