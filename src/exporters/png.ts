// An 8-bit greyscale PNG written straight from the mask bytes, streamed: pngjs first
// allocates an RGBA buffer of 4·W·H bytes for any image and compresses on the event loop,
// which for a large mask costs hundreds of megabytes and seconds of a stalled server.
// Here the rows (each behind filter byte 0, "none") go through zlib's deflate in its
// thread pool, and each piece it gives back is sent as an IDAT chunk.
// https://www.w3.org/TR/png/#5Chunk-layout
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createDeflate } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const COLOR_GREY = 0;
/** Rows are handed to deflate in batches of about this many bytes. */
const BATCH_BYTES = 64 * 1024;

const CRC_TABLE = Int32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

function crc32(parts: Buffer[]): number {
  let c = -1;
  for (const b of parts) for (let i = 0; i < b.length; i++) c = CRC_TABLE[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32([head.subarray(4), data]));
  return Buffer.concat([head, data, crc]);
}

/** The scanlines: each row of the mask behind its filter byte (0), several rows a buffer. */
function* scanlines(pixels: Uint8Array, width: number, height: number): Generator<Buffer> {
  const rowsPerBatch = Math.max(1, Math.floor(BATCH_BYTES / (width + 1)));
  for (let y = 0; y < height; y += rowsPerBatch) {
    const rows = Math.min(rowsPerBatch, height - y);
    const batch = Buffer.alloc(rows * (width + 1)); // zeroed: the filter bytes are 0
    for (let r = 0; r < rows; r++) batch.set(pixels.subarray((y + r) * width, (y + r + 1) * width), r * (width + 1) + 1);
    yield batch;
  }
}

/** The PNG file of a width × height, one-byte-a-pixel image (rows top to bottom), in pieces. */
export async function* greyPng(pixels: Uint8Array, width: number, height: number): AsyncGenerator<Buffer> {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = COLOR_GREY; // compression, filter method and interlace stay 0
  yield Buffer.concat([SIGNATURE, chunk('IHDR', ihdr)]);
  const deflate = createDeflate();
  const feeding = pipeline(Readable.from(scanlines(pixels, width, height)), deflate);
  feeding.catch(() => {}); // awaited below; a reader that stops early destroys deflate and ends it
  for await (const data of deflate) yield chunk('IDAT', data as Buffer);
  await feeding;
  yield chunk('IEND', Buffer.alloc(0));
}
