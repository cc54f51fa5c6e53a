// `init --input-path P --input-format F`: the tasks of a file or folder, read by the same
// importers as an upload (api.md §9: json, json-dir, text, text-dir, image-dir, audio-dir),
// checked against the config and stored as one import (all or nothing).
import { copyFile, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ProjectContext } from '../services/context.ts';
import { importError, prepareImport, type PreparedImport } from '../services/import.ts';
import { currentDataTypes } from '../services/project.ts';
import { collectJson } from '../importers/json.ts';
import { collectLines } from '../importers/txt.ts';
import { collectHosted } from '../importers/hosted.ts';
import { archiveBudget } from '../importers/zip.ts';
import { extensionOf } from '../importers/names.ts';
import { fileFailure, ImportFailure, InputProblem } from '../importers/errors.ts';
import { isSystemError } from '../errors.ts';
import { TaskCollector, type CollectContext, type InputFile } from '../importers/types.ts';
import type { InputFormat } from './options.ts';

/** 0.8's extensions for the media folders (utils/tasks.py), compared case-insensitively. */
const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.tiff', '.tif', '.bmp', '.gif'];
const AUDIO_EXTENSIONS = ['.wav', '.aiff', '.mp3', '.au', '.flac'];

/** The files of a folder and its sub-folders, in path order, hidden ones left out. */
async function filesUnder(dir: string): Promise<string[]> {
  const st = await stat(dir);
  if (!st.isDirectory()) throw new InputError(`--input-path ${dir} is not a folder (--input-format *-dir reads a folder)`);
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files: string[] = [];
  for (const e of entries) {
    const path = join(e.parentPath, e.name);
    if (!e.isFile() || path.slice(dir.length).split(/[/\\]/).some((seg) => seg.startsWith('.'))) continue;
    files.push(path);
  }
  return files.sort();
}

async function inputFile(path: string): Promise<InputFile> {
  const st = await stat(path);
  if (!st.isFile()) throw new InputError(`--input-path ${path} is not a file`);
  return { name: basename(path), path, size: st.size };
}

/** A problem with the input path itself (not a task): exit 1 with the message. */
export class InputError extends Error {}

/**
 * Reads the input into a prepared import. `tempDir` receives copies of media files: an
 * import moves its hosted files into upload/, and the user's own files must stay where they are.
 */
export async function prepareInput(ctx: ProjectContext, format: InputFormat, path: string, tempDir: string): Promise<PreparedImport> {
  const collector = new TaskCollector(ctx.settings.MAX_TASKS_PER_IMPORT);
  const cctx: CollectContext = {
    dataTypes: await currentDataTypes(ctx),
    collector,
    tempDir,
    publicUrl: ctx.settings.PUBLIC_URL,
    urlQuery: '', // `start <project>` serves it as the server's own project
    maxBytes: Number.MAX_SAFE_INTEGER, // a local file: no upload limit
    maxDataKeys: ctx.settings.MAX_DATA_KEYS,
    archive: archiveBudget(ctx.settings.MAX_UPLOAD_SIZE),
    depth: 0,
  };
  /** One file's tasks; a failure names the file, as an upload's would. */
  const read = async (file: InputFile, collect: (file: InputFile) => Promise<void>) => {
    collector.countFormat(extensionOf(file.name));
    try {
      await collect(file);
    } catch (err) {
      if (err instanceof ImportFailure || isSystemError(err)) throw err;
      throw fileFailure(file.name, (err as Error).message, err instanceof InputProblem ? err.status : 400);
    }
  };
  const json = (file: InputFile) => collectJson(file, cctx);
  const lines = (file: InputFile) => collectLines(file.path, collector);
  const media = async (extensions: string[]) => {
    let n = 0;
    for (const p of await filesUnder(path)) {
      if (!extensions.includes(extensionOf(p).toLowerCase())) continue;
      const copy = join(tempDir, `input-${n++}`);
      await copyFile(p, copy);
      await read({ name: basename(p), path: copy, size: (await stat(copy)).size }, (file) => collectHosted(file, cctx));
    }
  };
  try {
    switch (format) {
      case 'json':
        await read(await inputFile(path), json);
        break;
      case 'json-dir':
        for (const p of await filesUnder(path)) if (extensionOf(p).toLowerCase() === '.json') await read(await inputFile(p), json);
        break;
      case 'text':
        await read(await inputFile(path), lines);
        break;
      case 'text-dir':
        // 0.8 read every file of the folder as text, one task a line.
        for (const p of await filesUnder(path)) await read(await inputFile(p), lines);
        break;
      case 'image-dir':
        await media(IMAGE_EXTENSIONS);
        break;
      case 'audio-dir':
        await media(AUDIO_EXTENSIONS);
        break;
    }
  } catch (err) {
    if (err instanceof ImportFailure) throw importError(err.message, err.status);
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new InputError(`--input-path ${path} does not exist`);
    throw err;
  }
  return prepareImport(ctx, collector.items, collector.formats, collector.uploads.values(), collector.count);
}
