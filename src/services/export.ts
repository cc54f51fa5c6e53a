// GET /api/project/export: streams the chosen format, as its single file or as a zip
// (archiver), straight to the response. Nothing is written to the project folder, so a
// failed export leaves nothing behind.
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extname } from 'node:path';
import { ZipArchive } from 'archiver';
import type { Response } from 'express';
import type { CompletionFile } from '../domain/types.ts';
import { badRequest } from '../http/errors.ts';
import { parseLabelConfig, type ParsedLabelConfig } from '../labelConfig/parse.ts';
import { findFormat, supportedFormats } from '../exporters/registry.ts';
import type { ExportContext, ExportFormat, ExportSink } from '../exporters/types.ts';
import type { ProjectContext } from './context.ts';

const pad = (n: number) => String(n).padStart(2, '0');

/** 0.8's export name: server local time, YYYY-MM-DD-HH-MM-SS. */
export function exportStamp(d = new Date()): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}-${pad(d.getHours())}-${pad(d.getMinutes())}-${pad(d.getSeconds())}`;
}

export function currentConfig(ctx: ProjectContext): ParsedLabelConfig | null {
  try {
    return parseLabelConfig(ctx.store.state.labelConfig);
  } catch {
    return null;
  }
}

/** The completion files in ascending task id; ids are fixed when the export starts. */
export async function* exportRecords(ctx: ProjectContext): AsyncGenerator<CompletionFile> {
  const state = ctx.store.state;
  const ids = state.fileIds();
  for (let i = 0; i < ids.length; i++) {
    const file = state.files.get(ids[i]!);
    if (file) yield file;
    // Let other requests in every so often: the server keeps answering during an export.
    if (i % 500 === 499) await new Promise((r) => setImmediate(r));
  }
}

export function chooseFormat(ctx: ProjectContext, name: unknown): ExportFormat {
  const config = currentConfig(ctx);
  const offered = supportedFormats(config).map((f) => f.name);
  if (typeof name !== 'string' || name === '') throw badRequest(`Missing "format"; this project supports ${offered.join(', ')}`, 'missing_format');
  const format = findFormat(name);
  if (!format) throw badRequest(`Unknown format "${name}"; this project supports ${offered.join(', ')}`, 'unknown_format');
  if (!offered.includes(name)) throw badRequest(`Format "${name}" is not supported by the current labeling config; this project supports ${offered.join(', ')}`, 'unsupported_format');
  return format;
}

function toReadable(content: Parameters<ExportSink['file']>[1]): Readable {
  if (typeof content === 'string' || Buffer.isBuffer(content)) return Readable.from([content]);
  if (content instanceof Readable) return content;
  return Readable.from(content as AsyncIterable<string | Buffer>);
}

export async function sendExport(ctx: ProjectContext, format: ExportFormat, res: Response, asZip: boolean): Promise<void> {
  const exportCtx: ExportContext = { config: currentConfig(ctx), projectDir: ctx.store.folder, fetchTimeoutMs: ctx.settings.ML_TIMEOUT_MS };
  const stamp = exportStamp();
  const records = exportRecords(ctx);
  if (format.singleFile && !asZip) {
    // Named like 0.8's zip, with the file's own extension: 2026-11-28-09-30-00.json
    const name = stamp + extname(format.singleFile.name);
    res.status(200);
    res.setHeader('Content-Type', `${format.singleFile.contentType}; charset=utf-8`);
    res.setHeader('Content-Disposition', `attachment; filename=${name}`);
    res.setHeader('filename', name);
    let sent = false;
    await format.write(records, {
      async file(_name, content) {
        if (sent) throw new Error(`${format.name} wrote more than one file`);
        sent = true;
        await pipeline(toReadable(content), res);
      },
      dir() {},
    }, exportCtx);
    if (!sent) res.end();
    return;
  }
  const zip = new ZipArchive({ zlib: { level: 6 } });
  const name = `${stamp}.zip`;
  res.status(200);
  res.setHeader('Content-Type', 'application/zip');
  res.setHeader('Content-Disposition', `attachment; filename=${name}`);
  res.setHeader('filename', name);
  const out = new PassThrough();
  zip.pipe(out);
  const piping = pipeline(out, res);
  const dirs = new Set<string>();
  const sink: ExportSink = {
    async file(fileName, content) {
      // archiver reads entries one at a time; wait for this one before making the next.
      const stream = toReadable(content);
      const done = new Promise<void>((resolve, reject) => {
        stream.once('end', resolve);
        stream.once('error', reject);
      });
      zip.append(stream, { name: fileName });
      await done;
    },
    dir(dirName) {
      const d = dirName.endsWith('/') ? dirName : dirName + '/';
      if (!dirs.has(d)) {
        dirs.add(d);
        zip.append(Buffer.alloc(0), { name: d });
      }
    },
  };
  try {
    await format.write(records, sink, exportCtx);
    await zip.finalize();
    await piping;
  } catch (err) {
    zip.abort();
    res.destroy(err as Error);
    throw err;
  }
}
