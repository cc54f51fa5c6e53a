// File names the exporters make from what annotators and imports wrote (brush labels,
// from_names, the last component of an image or audio URL) can be any length. A zip
// entry name over 65,535 bytes breaks the whole archive, and most file systems refuse a
// name over 255 bytes when it is unzipped. So every name an exporter makes passes through
// capName where it is made, and what the export writes inside its files (COCO file_name,
// VOC <filename>, the YOLO label of an image, ASR audio_filepath) is that same capped name.
import { createHash } from 'node:crypto';
import { posix } from 'node:path';

/** The most bytes (UTF-8) of a file name's stem the exporters make; its extension comes on top. */
export const MAX_NAME_BYTES = 200;
/** An extension longer than this is not kept apart: it is part of the name that is cut. */
const MAX_EXTENSION_BYTES = 16;
const HASH_CHARS = 8;

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/** The longest start of s that fits in max UTF-8 bytes, never splitting a character. */
function utf8Prefix(s: string, max: number): string {
  let used = 0;
  let end = 0;
  for (const ch of s) {
    const size = bytes(ch);
    if (used + size > max) break;
    used += size;
    end += ch.length;
  }
  return s.slice(0, end);
}

/**
 * The name as it is when its stem fits in MAX_NAME_BYTES; otherwise the stem cut to fit
 * with "~" and a short hash of the whole name after it (two long names that start alike
 * stay apart), and the extension kept. Capping a capped name changes nothing.
 */
export function capName(name: string): string {
  let ext = posix.extname(name);
  if (bytes(ext) > MAX_EXTENSION_BYTES) ext = '';
  const stem = name.slice(0, name.length - ext.length);
  if (bytes(stem) <= MAX_NAME_BYTES) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, HASH_CHARS);
  return `${utf8Prefix(stem, MAX_NAME_BYTES - 1 - HASH_CHARS)}~${hash}${ext}`;
}
