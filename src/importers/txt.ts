// TXT files (config-and-import §2.6): one task per line, the line going to the first data
// key. Lines end with \n, \r\n or \r; a final line end adds no empty task, but empty
// lines inside do, and nothing is trimmed (a BOM stays in the first line, as in 0.8).
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import type { TaskCollector } from './types.ts';
import { UNDEFINED_KEY } from './types.ts';
import { utf8Guard } from './utf8.ts';

/**
 * Splits text arriving in chunks into lines. Only each new chunk is searched for line
 * ends; the unfinished line is kept as a list of pieces and joined once, when its end
 * arrives (prepending it to every chunk made a file of one long line quadratic). A "\r"
 * ends a line at once; a "\n" starting the next chunk is then the rest of that "\r\n".
 */
export class LineSplitter {
  private pieces: string[] = [];
  private afterCR = false;

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: string): void {
    if (chunk === '') return;
    let start = 0;
    if (this.afterCR && chunk.startsWith('\n')) start = 1;
    this.afterCR = false;
    const eol = /\r\n|\r|\n/g;
    eol.lastIndex = start;
    for (let m = eol.exec(chunk); m; m = eol.exec(chunk)) {
      this.pieces.push(chunk.slice(start, m.index));
      this.onLine(this.pieces.length === 1 ? this.pieces[0]! : this.pieces.join(''));
      this.pieces = [];
      start = m.index + m[0].length;
      if (m[0] === '\r' && start === chunk.length) this.afterCR = true;
    }
    if (start < chunk.length) this.pieces.push(chunk.slice(start));
  }

  end(): void {
    if (this.pieces.length) this.onLine(this.pieces.join(''));
    this.pieces = [];
    this.afterCR = false;
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
