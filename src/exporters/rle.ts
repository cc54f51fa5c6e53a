// Brush masks: the run-length bit stream the 0.8 frontend wrote with @thi.ng/rle-pack
// (export.md §11.1), decoded to the RGBA pixels it was made from, and the alpha channel
// of those as an H×W mask.
//
// A stream of a few kilobytes can announce a canvas of gigabytes (one run covers 65,536
// values), so a mask is decoded straight into its H×W alpha bytes (never the 4·W·H RGBA
// pixels), a stream too short to cover the count it announces is refused before
// anything is allocated, and masks above MAX_MASK_PIXELS are refused.

export class RleError extends Error {}

/** 64 megapixels (8192 × 8192): a bigger canvas is refused rather than allocated. */
export const MAX_MASK_PIXELS = 64 * 1024 * 1024;

/** Reads big-endian bit fields, most significant bit of each byte first. */
class BitReader {
  private byte = 0;
  private bit = 0;

  constructor(private readonly data: ArrayLike<number>) {}

  get bitsLeft(): number {
    return (this.data.length - this.byte) * 8 - this.bit;
  }

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

interface RleHeader {
  count: number;
  wordSize: number;
  sizes: number[];
}

/**
 * Reads the header and checks the stream can cover `count` values at all: a run whose
 * length field has s bits covers at most 2^s values and costs at least 3 + s + wordSize
 * bits, so no stream does better than the cheapest of those ratios.
 */
function readHeader(r: BitReader, expected: number | undefined): RleHeader {
  const count = r.read(32);
  if (expected !== undefined && count !== expected) throw new RleError(`RLE holds ${count} values, expected ${expected}`);
  const wordSize = r.read(5) + 1;
  const sizes = [r.read(4) + 1, r.read(4) + 1, r.read(4) + 1, r.read(4) + 1];
  const bitsPerValue = Math.min(...sizes.map((s) => (3 + s + wordSize) / 2 ** s));
  if (r.bitsLeft < Math.floor(count * bitsPerValue)) throw new RleError(`RLE stream of ${r.bitsLeft} bits is too short for ${count} values`);
  return { count, wordSize, sizes };
}

/** Walks the runs, handing each stretch [start, end) of equal values (clipped to count) to fill. */
function decodeRuns(r: BitReader, { count, wordSize, sizes }: RleHeader, fill: (start: number, end: number, value: number) => void): void {
  let i = 0;
  while (i < count) {
    const repeat = r.read(1);
    const n = r.read(sizes[r.read(2)]!) + 1;
    if (repeat) fill(i, Math.min(i + n, count), r.read(wordSize) & 0xff);
    else for (let j = i; j < i + n; j++) {
      const w = r.read(wordSize) & 0xff;
      if (j < count) fill(j, j + 1, w);
    }
    i += n;
  }
}

/**
 * The decoded values as bytes (a word wider than 8 bits keeps its low 8). With `expected`,
 * a stream announcing another count is refused before anything is allocated.
 */
export function decodeRle(data: ArrayLike<number>, expected?: number): Uint8Array {
  const r = new BitReader(data);
  const header = readHeader(r, expected);
  const out = new Uint8Array(header.count);
  decodeRuns(r, header, (start, end, v) => out.fill(v, start, end));
  return out;
}

/**
 * The alpha channel of an RLE-encoded RGBA canvas of width × height, row by row from the
 * top: every fourth value, written straight into the mask.
 */
export function decodeBrushMask(rle: ArrayLike<number>, width: number, height: number, maxPixels = MAX_MASK_PIXELS): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) throw new RleError(`bad mask size ${width}×${height}`);
  if (width * height > maxPixels) throw new RleError(`mask of ${width}×${height} pixels is larger than ${maxPixels}`);
  const r = new BitReader(rle);
  const header = readHeader(r, width * height * 4);
  const mask = new Uint8Array(width * height);
  // Value p is the alpha of pixel k when p = 4k + 3: [start, end) holds pixels ceil((start-3)/4) .. floor(end/4)-1.
  decodeRuns(r, header, (start, end, v) => {
    if (v !== 0) mask.fill(v, Math.max(0, Math.ceil((start - 3) / 4)), Math.floor(end / 4));
  });
  return mask;
}
