// Brush masks: the run-length bit stream the 0.8 frontend wrote with @thi.ng/rle-pack
// (export.md §11.1), decoded to the RGBA pixels it was made from, and the alpha channel
// of those as an H×W mask.

export class RleError extends Error {}

/** 256 megapixels: a bigger canvas is refused rather than allocated. */
export const MAX_MASK_PIXELS = 256 * 1024 * 1024;

/** Reads big-endian bit fields, most significant bit of each byte first. */
class BitReader {
  private byte = 0;
  private bit = 0;

  constructor(private readonly data: ArrayLike<number>) {}

  read(n: number): number {
    let v = 0;
    while (n > 0) {
      if (this.byte >= this.data.length) throw new RleError('RLE stream ends early');
      const avail = 8 - this.bit;
      const take = Math.min(avail, n);
      const bits = ((this.data[this.byte]! & 0xff) >> (avail - take)) & ((1 << take) - 1);
      v = v * (1 << take) + bits; // not <<: counts reach 2^32
      n -= take;
      this.bit += take;
      if (this.bit === 8) {
        this.bit = 0;
        this.byte++;
      }
    }
    return v;
  }
}

/**
 * The decoded values as bytes (a word wider than 8 bits keeps its low 8). With `expected`,
 * a stream announcing another count is refused before anything is allocated.
 */
export function decodeRle(data: ArrayLike<number>, expected?: number): Uint8Array {
  const r = new BitReader(data);
  const count = r.read(32);
  if (expected !== undefined && count !== expected) throw new RleError(`RLE holds ${count} values, expected ${expected}`);
  const wordSize = r.read(5) + 1;
  const sizes = [r.read(4) + 1, r.read(4) + 1, r.read(4) + 1, r.read(4) + 1];
  const out = new Uint8Array(count);
  let i = 0;
  while (i < count) {
    const repeat = r.read(1);
    const n = r.read(sizes[r.read(2)]!) + 1;
    const end = Math.min(i + n, count);
    if (repeat) out.fill(r.read(wordSize) & 0xff, i, end);
    else for (let j = i; j < i + n; j++) {
      const w = r.read(wordSize) & 0xff;
      if (j < count) out[j] = w;
    }
    i += n;
  }
  return out;
}

/** The alpha channel of an RLE-encoded RGBA canvas of width × height, row by row from the top. */
export function decodeBrushMask(rle: ArrayLike<number>, width: number, height: number): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) throw new RleError(`bad mask size ${width}×${height}`);
  if (width * height > MAX_MASK_PIXELS) throw new RleError(`mask of ${width}×${height} pixels is larger than ${MAX_MASK_PIXELS}`);
  const rgba = decodeRle(rle, width * height * 4);
  const mask = new Uint8Array(width * height);
  for (let p = 0; p < mask.length; p++) mask[p] = rgba[p * 4 + 3]!;
  return mask;
}
