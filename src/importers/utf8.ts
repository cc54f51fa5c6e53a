// Text inputs (CSV, TSV, TXT, HTML, JSON) must be UTF-8. 0.8 decoded them with Python's
// codec, which refuses bad bytes instead of replacing them; we do the same and report the
// byte and its position in Python's words, so the user can find it.
import { isUtf8 } from 'node:buffer';
import { Transform, type TransformCallback } from 'node:stream';

export class Utf8Error extends Error {}

interface Fault {
  pos: number;
  byte: number;
  reason: 'invalid start byte' | 'invalid continuation byte' | 'unexpected end of data';
}

/** The first invalid sequence in buf (positions offset by base), or undefined. */
export function findUtf8Fault(buf: Uint8Array, base = 0): Fault | undefined {
  const n = buf.length;
  let i = 0;
  while (i < n) {
    const b = buf[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b === 0xe0) [need, lo] = [2, 0xa0];
    else if (b === 0xed) [need, hi] = [2, 0x9f];
    else if (b >= 0xe1 && b <= 0xef) need = 2;
    else if (b === 0xf0) [need, lo] = [3, 0x90];
    else if (b === 0xf4) [need, hi] = [3, 0x8f];
    else if (b >= 0xf1 && b <= 0xf3) need = 3;
    else return { pos: base + i, byte: b, reason: 'invalid start byte' };
    for (let k = 1; k <= need; k++) {
      if (i + k >= n) return { pos: base + i, byte: b, reason: 'unexpected end of data' };
      const c = buf[i + k]!;
      const [min, max] = k === 1 ? [lo, hi] : [0x80, 0xbf];
      if (c < min || c > max) return { pos: base + i, byte: b, reason: 'invalid continuation byte' };
    }
    i += need + 1;
  }
  return undefined;
}

export function utf8ErrorText(f: Fault): string {
  return `'utf-8' codec can't decode byte 0x${f.byte.toString(16).padStart(2, '0')} in position ${f.pos}: ${f.reason}`;
}

/** Throws Utf8Error unless the whole buffer is valid UTF-8. */
export function assertUtf8(buf: Uint8Array): void {
  if (isUtf8(buf)) return;
  const f = findUtf8Fault(buf);
  if (f) throw new Utf8Error(utf8ErrorText(f));
}

/** Bytes at the end of buf that start a character the next chunk completes. */
function incompleteTail(buf: Uint8Array): number {
  const n = buf.length;
  for (let back = 1; back <= Math.min(4, n); back++) {
    const b = buf[n - back]!;
    if ((b & 0xc0) === 0x80) continue; // continuation byte: look further back
    const len = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return len > back ? back : 0;
  }
  return 0;
}

/**
 * Passes bytes through unchanged but cut at character boundaries, failing with a
 * Utf8Error at the first invalid sequence. Downstream may decode each chunk on its own.
 */
export function utf8Guard(): Transform {
  let carry: Buffer = Buffer.alloc(0);
  let seen = 0; // bytes before `carry`
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      const data = carry.length ? Buffer.concat([carry, chunk]) : chunk;
      const tail = incompleteTail(data);
      const body = data.subarray(0, data.length - tail);
      if (!isUtf8(body)) {
        const f = findUtf8Fault(body, seen);
        if (f) return done(new Utf8Error(utf8ErrorText(f)));
      }
      seen += body.length;
      carry = Buffer.from(data.subarray(data.length - tail));
      done(null, body.length ? body : undefined);
    },
    flush(done: TransformCallback) {
      if (carry.length) {
        const f = findUtf8Fault(carry, seen);
        return done(new Utf8Error(utf8ErrorText(f ?? { pos: seen, byte: carry[0]!, reason: 'unexpected end of data' })));
      }
      done();
    },
  });
}
