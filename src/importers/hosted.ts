// Hosted files (config-and-import §2.9): images, audio, video, PDFs and any other file
// that is not a task format are kept under upload/ and become one task whose first data
// key holds the file's /data/upload/... URL. The file is only written once the whole
// import has passed validation (0.8 wrote it first and left orphans, Quirk Q-I9).
import type { CollectContext, InputFile } from './types.ts';
import { UNDEFINED_KEY } from './types.ts';
import { contentHash, storedName, uploadUrl } from './names.ts';

export async function collectHosted(file: InputFile, ctx: CollectContext): Promise<void> {
  const stored = storedName(await contentHash(file.path), file.name);
  ctx.collector.hold({ storedName: stored, tempPath: file.path });
  ctx.collector.add({ data: { [UNDEFINED_KEY]: uploadUrl(ctx.publicUrl, stored, ctx.urlQuery) } });
}
