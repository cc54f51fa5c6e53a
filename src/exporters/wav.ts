// Duration of a WAV file from its header, as Python's wave module measures it:
// frames = data size // (channels × bytes per sample), duration = frames / frame rate.
import type { ByteReader } from './media.ts';

/** Seconds, or undefined when the bytes are not a WAV file we can measure. */
export async function wavDuration(read: ByteReader): Promise<number | undefined> {
  const head = await read(0, 12);
  if (head.length < 12 || head.toString('latin1', 0, 4) !== 'RIFF' || head.toString('latin1', 8, 12) !== 'WAVE') return undefined;
  let pos = 12;
  let channels = 0;
  let rate = 0;
  let bits = 0;
  for (let guard = 0; guard < 1000; guard++) {
    const chunk = await read(pos, 8);
    if (chunk.length < 8) return undefined;
    const id = chunk.toString('latin1', 0, 4);
    const size = chunk.readUInt32LE(4);
    if (id === 'fmt ') {
      const fmt = await read(pos + 8, 16);
      if (fmt.length < 16) return undefined;
      channels = fmt.readUInt16LE(2);
      rate = fmt.readUInt32LE(4);
      bits = fmt.readUInt16LE(14);
    } else if (id === 'data') {
      const frameSize = channels * Math.ceil(bits / 8);
      if (!frameSize || !rate) return undefined;
      return Math.floor(size / frameSize) / rate;
    }
    pos += 8 + size + (size % 2); // chunks are padded to an even size
  }
  return undefined;
}
