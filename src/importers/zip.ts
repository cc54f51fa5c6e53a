// ZIP archives (config-and-import §2.8): every member goes through the same per-file rules
// as an uploaded file, named "<archive>/<path inside>" so its extension decides its kind.
// Directories, dot-files and __MACOSX metadata are skipped (0.8 crashed on directory
// entries and fed the metadata in as data). Against zip bombs the members and their
// total size are capped (at the upload limit), and yauzl checks every member's real size
// against its header, so the header's size can be trusted before extracting. The member
// cap is checked against the central directory's entry count as soon as an archive is
// open, before anything is extracted: counting member by member, a zip of 150,000 tiny
// files took two minutes of extracting to reach its 413.
// Member names never become paths: members are extracted under generated names.
import { createWriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { fileFailure, InputProblem } from './errors.ts';
import type { ArchiveBudget, CollectContext, InputFile } from './types.ts';

/**
 * Caps for one import, over all its archives (nested ones included). The expanded bytes
 * are further capped at the upload limit (see archiveBudget).
 */
export const ARCHIVE_LIMITS = {
  /** Entries of the central directories, folders and skipped files included. */
  members: 100_000,
  bytes: 2 * 1024 ** 3,
  /** An archive inside an archive inside an archive is the deepest we open. */
  depth: 3,
};

/**
 * The caps of one import. Archives expand to at most the upload limit: the same bytes
 * sent unpacked would have been refused, and packing them must not get round that (a
 * 20 KB zip could otherwise become 2 GiB of tasks under a 100 KB limit).
 */
export function archiveBudget(maxUploadBytes: number): ArchiveBudget {
  const maxBytes = Math.min(ARCHIVE_LIMITS.bytes, maxUploadBytes);
  return { members: ARCHIVE_LIMITS.members, bytes: maxBytes, maxMembers: ARCHIVE_LIMITS.members, maxBytes };
}

let extracted = 0;

/** Skipped members: directories, hidden files and the metadata macOS adds to archives. */
export function isSkippedMember(path: string): boolean {
  if (path.endsWith('/')) return true;
  const segments = path.split('/');
  return segments[0] === '__MACOSX' || segments.some((s) => s.startsWith('.'));
}

async function openZip(file: InputFile): Promise<yauzl.ZipFile> {
  try {
    return await yauzl.openPromise(file.path, { validateEntrySizes: true });
  } catch (err) {
    // yauzl's words for "this is not a zip"; 0.8 (Python's zipfile) said it this way.
    if (/central directory record signature not found/.test((err as Error).message)) throw new InputProblem('File is not a zip file');
    throw err;
  }
}

export async function collectArchive(
  file: InputFile,
  ctx: CollectContext,
  collectMember: (member: InputFile, ctx: CollectContext) => Promise<void>,
): Promise<void> {
  if (ctx.depth >= ARCHIVE_LIMITS.depth) throw new InputProblem(`archives nested more than ${ARCHIVE_LIMITS.depth} deep are not supported`);
  const zip = await openZip(file);
  const inner: CollectContext = { ...ctx, depth: ctx.depth + 1 };
  try {
    // Every entry counts, folders and skipped ones too: each costs a step to read, and the
    // count is all we know before reading them.
    ctx.archive.members -= zip.entryCount;
    if (ctx.archive.members < 0) throw fileFailure(file.name, `archives may hold at most ${ctx.archive.maxMembers} files`, 413);
    for await (const entry of zip.eachEntry()) {
      if (isSkippedMember(entry.fileName)) continue;
      const name = `${file.name}/${entry.fileName}`;
      ctx.archive.bytes -= entry.uncompressedSize;
      if (ctx.archive.bytes < 0) throw fileFailure(file.name, `archives may expand to at most ${ctx.archive.maxBytes} bytes`, 413);
      if (entry.isEncrypted()) throw new InputProblem(`${entry.fileName} is encrypted`);
      if (!entry.canDecodeFileData()) throw new InputProblem(`${entry.fileName} uses an unsupported compression method`);
      const path = join(ctx.tempDir, `member-${++extracted}`);
      await pipeline(await zip.openReadStreamPromise(entry), createWriteStream(path));
      await collectMember({ name, path, size: entry.uncompressedSize }, inner);
      // Hosted members wait in the temporary folder until the uploads are written.
      if (!ctx.collector.holds(path)) await unlink(path);
    }
  } finally {
    zip.close();
  }
}
