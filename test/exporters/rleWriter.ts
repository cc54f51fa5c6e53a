// Writes brush RLE streams as @thi.ng/rle-pack lays them out (export.md §11.1), for tests
// that need a mask of a given size or shape without a browser.

/** A bit stream, most significant bit first, as bytes. */
export class BitWriter {
  private readonly bits: number[] = [];

  put(v: number, n: number): this {
    for (let i = n - 1; i >= 0; i--) this.bits.push(Math.floor(v / 2 ** i) % 2);
    return this;
  }

  bytes(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.bits.length; i += 8) {
      let b = 0;
      for (let j = 0; j < 8; j++) b = b * 2 + (this.bits[i + j] ?? 0);
      out.push(b);
    }
    return out;
  }
}

/** The header: count, word size 8, run-length sizes 3, 4, 8, 16 (the frontend's defaults). */
export function rleHeader(count: number): BitWriter {
  const w = new BitWriter().put(count, 32).put(7, 5);
  for (const s of [2, 3, 7, 15]) w.put(s, 4);
  return w;
}

/** An RLE of `count` values all equal to `fill`, in the longest runs there are (65,536 values): the most pixels a byte can announce. */
export function uniformRle(count: number, fill: number, runs = Math.ceil(count / 65536)): number[] {
  const w = rleHeader(count);
  let left = count;
  for (let i = 0; i < runs && left > 0; i++) {
    const n = Math.min(left, 65536);
    w.put(1, 1).put(3, 2).put(n - 1, 16).put(fill, 8);
    left -= n;
  }
  return w.bytes();
}

/** An RLE of exactly these values, as runs of the given lengths (a run of one value is a literal). */
export function rleOf(values: number[], runLengths: number[]): number[] {
  const w = rleHeader(values.length);
  let i = 0;
  for (const n of runLengths) {
    const run = values.slice(i, i + n);
    const same = run.every((v) => v === run[0]);
    const k = n <= 8 ? 0 : n <= 16 ? 1 : n <= 256 ? 2 : 3;
    w.put(same ? 1 : 0, 1).put(k, 2).put(n - 1, [3, 4, 8, 16][k]!);
    for (const v of same ? [run[0]!] : run) w.put(v, 8);
    i += n;
  }
  return w.bytes();
}
