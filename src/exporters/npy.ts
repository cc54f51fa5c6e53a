// The NumPy .npy format, version 1.0, for a 2-D uint8 array in C order: the magic string,
// a header that is a Python dict literal padded with spaces to a multiple of 64 bytes,
// then the raw bytes. The padding is laid out as NumPy (1.23 and later) writes it, room
// left for the first axis to grow, so our files are byte for byte NumPy's.
// https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 0x01, 0x00]); // \x93NUMPY v1.0
const ARRAY_ALIGN = 64;
const GROWTH_AXIS_MAX_DIGITS = 21;

export function npyHeader(height: number, width: number): Buffer {
  let dict = `{'descr': '|u1', 'fortran_order': False, 'shape': (${height}, ${width}), }`;
  dict += ' '.repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - String(height).length));
  const hlen = dict.length + 1; // the final newline
  const pad = ARRAY_ALIGN - ((MAGIC.length + 2 + hlen) % ARRAY_ALIGN);
  const len = Buffer.alloc(2);
  len.writeUInt16LE(hlen + pad);
  return Buffer.concat([MAGIC, len, Buffer.from(dict + ' '.repeat(pad) + '\n', 'latin1')]);
}

/** An H×W uint8 array as a .npy file: the header, then the array's own bytes (not copied). */
export function npyUint8(mask: Uint8Array, height: number, width: number): Buffer[] {
  return [npyHeader(height, width), Buffer.from(mask.buffer, mask.byteOffset, mask.byteLength)];
}
