// Size and channel count of an image, read from its header (PNG, JPEG, GIF, BMP). VOC's
// <depth> is the number of bands Pillow reports for the file: 1 for grey or palette
// images, 2 grey+alpha, 3 RGB, 4 RGBA or CMYK.
import type { ByteReader } from './media.ts';

export interface ImageInfo {
  width: number;
  height: number;
  channels: number;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
// PNG colour type → Pillow bands: 0 grey (L), 2 RGB, 3 palette (P), 4 grey+alpha (LA), 6 RGBA.
const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

async function jpegInfo(read: ByteReader): Promise<ImageInfo | undefined> {
  let pos = 2;
  // Walk the segments to the frame header (SOFn); a thumbnail in EXIF can make that far in.
  for (let guard = 0; guard < 10_000; guard++) {
    const head = await read(pos, 4);
    if (head.length < 2 || head[0] !== 0xff) return undefined;
    const marker = head[1]!;
    if (marker === 0xff) {
      pos += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      pos += 2; // markers without a length
      continue;
    }
    if (head.length < 4) return undefined;
    const length = head.readUInt16BE(2);
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) {
      const sof = await read(pos + 4, 6);
      if (sof.length < 6) return undefined;
      return { height: sof.readUInt16BE(1), width: sof.readUInt16BE(3), channels: sof[5]! };
    }
    if (marker === 0xd9 || marker === 0xda) return undefined; // end of image, start of scan: no frame header before
    pos += 2 + length;
  }
  return undefined;
}

export async function imageInfo(read: ByteReader): Promise<ImageInfo | undefined> {
  const head = await read(0, 32);
  if (head.length >= 26 && head.subarray(0, 8).equals(PNG_SIGNATURE) && head.toString('latin1', 12, 16) === 'IHDR') {
    const channels = PNG_CHANNELS[head[25]!];
    return channels ? { width: head.readUInt32BE(16), height: head.readUInt32BE(20), channels } : undefined;
  }
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return jpegInfo(read);
  if (head.length >= 10 && head.toString('latin1', 0, 4) === 'GIF8') {
    return { width: head.readUInt16LE(6), height: head.readUInt16LE(8), channels: 1 };
  }
  if (head.length >= 30 && head.toString('latin1', 0, 2) === 'BM') {
    const bits = head.readUInt16LE(28);
    return { width: head.readInt32LE(18), height: Math.abs(head.readInt32LE(22)), channels: bits <= 8 ? 1 : 3 };
  }
  return undefined;
}
