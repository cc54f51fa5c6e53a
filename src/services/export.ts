// GET /api/project/export: streams the chosen format, as its single file or as a zip
// (archiver), straight to the response. Nothing is written to the project folder (0.8
// kept every export zip under export/ and shared one folder between exports in the same
// second), so a failed or abandoned export leaves nothing behind.
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { ZipArchive } from 'archiver';
import type { Response } from 'express';
import type { CompletionFile } from '../domain/types.ts';
import { badRequest } from '../errors.ts';
import { findFormat, supportedFormats } from '../exporters/registry.ts';
import { capName } from '../exporters/names.ts';
import type { ExportContext, ExportFormat, ExportRecords, ExportSink, FileContent } from '../exporters/types.ts';
import type { ProjectContext } from './context.ts';
import { currentConfig } from './project.ts';

const pad = (n: number) => String(n).padStart(2, '0');

/** 0.8's export name: server local time, YYYY-MM-DD-HH-MM-SS. */
export function exportStamp(d = new Date()): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}-${pad(d.getHours())}-${pad(d.getMinutes())}-${pad(d.getSeconds())}`;
}

/** How many records are handed out between two yields to the event loop. */
const YIELD_EVERY = 500;

/**
 * The completion files in ascending task id, as they are when the export starts: the
 * snapshot holds references only (the store replaces a file's object on every change, it
 * never edits one), so later writes do not show up halfway. Each pass over it yields to
 * the event loop every 500 records, so the server keeps answering during an export, and
 * stops (throws the signal's reason) once the signal fires.
 */
export function exportRecords(ctx: ProjectContext, signal?: AbortSignal): ExportRecords {
  const state = ctx.store.state;
  const snapshot: CompletionFile[] = [];
  for (const id of state.fileIds()) snapshot.push(state.files.get(id)!);
  return {
    async *[Symbol.asyncIterator]() {
      for (let i = 0; i < snapshot.length; i++) {
        signal?.throwIfAborted();
        yield snapshot[i]!;
        if (i % YIELD_EVERY === YIELD_EVERY - 1) await new Promise((r) => setImmediate(r));
      }
    },
  };
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

const CHUNK_BYTES = 64 * 1024;

/** Many small strings (a record each) joined into buffers of about 64 KB; a large buffer passes as it is, not copied. */
async function* chunked(content: AsyncIterable<string | Buffer> | Iterable<string | Buffer>): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let size = 0;
  for await (const c of content) {
    const b = typeof c === 'string' ? Buffer.from(c) : c;
    if (b.length >= CHUNK_BYTES) {
      if (size) yield Buffer.concat(parts, size);
      parts = [];
      size = 0;
      yield b;
      continue;
    }
    parts.push(b);
    size += b.length;
    if (size >= CHUNK_BYTES) {
      yield Buffer.concat(parts, size);
      parts = [];
      size = 0;
    }
  }
  if (size) yield Buffer.concat(parts, size);
}

function toReadable(content: FileContent): Readable {
  if (typeof content === 'string') return Readable.from([Buffer.from(content)], { objectMode: false });
  if (Buffer.isBuffer(content)) return Readable.from([content], { objectMode: false });
  if (content instanceof Readable) return content;
  return Readable.from(chunked(content), { objectMode: false });
}

function exportContext(ctx: ProjectContext, signal: AbortSignal): ExportContext {
  return {
    signal,
    config: currentConfig(ctx),
    projectDir: ctx.store.folder,
    fetchTimeoutMs: ctx.settings.EXPORT_FETCH_TIMEOUT_MS,
    maxFetchBytes: ctx.settings.MAX_UPLOAD_SIZE,
    fetchAllow: ctx.settings.FETCH_ALLOW,
    publicUrl: ctx.settings.PUBLIC_URL,
    log: ctx.log,
  };
}

interface Download {
  name: string;
  contentType: string;
}

function downloadHeaders(res: Response, d: Download): void {
  res.status(200);
  res.setHeader('Content-Type', d.contentType);
  res.setHeader('Content-Disposition', `attachment; filename=${d.name}`);
  // The 0.8 export page names the download after this header.
  res.setHeader('filename', d.name);
}

/**
 * Copies source to the response, the download headers going out with its first byte, so
 * an export that fails before then is still answered with an ordinary JSON error (and not
 * as a zip download). Stops at once when `stop` fires. Does not end the response.
 */
async function pump(source: AsyncIterable<Buffer>, res: Response, download: Download, stop: AbortSignal): Promise<void> {
  for await (const chunk of source) {
    stop.throwIfAborted();
    if (!res.headersSent) downloadHeaders(res, download);
    if (!res.write(chunk)) await once(res, 'drain', { signal: stop });
  }
}

async function sendSingleFile(format: ExportFormat, records: ExportRecords, exportCtx: ExportContext, res: Response, download: Download): Promise<void> {
  let sent = false;
  await format.write(
    records,
    {
      async file(_name, content) {
        if (sent) throw new Error(`${format.name} wrote more than one file`);
        sent = true;
        await pump(toReadable(content), res, download, exportCtx.signal);
      },
      dir() {},
    },
    exportCtx,
  );
  if (!res.headersSent) downloadHeaders(res, download); // an empty file
  res.end();
}

/**
 * The backstop for names.ts: the exporters cut the names they make to about 200 bytes, so
 * this changes nothing unless one forgot. A part over 255 bytes would not unzip on most
 * file systems, and an entry name over 65,535 bytes would break the whole zip.
 */
const MAX_NAME_PART_BYTES = 255;

function entryName(name: string, exportCtx: ExportContext): string {
  const parts = name.split('/');
  if (parts.every((p) => Buffer.byteLength(p) <= MAX_NAME_PART_BYTES)) return name;
  const cut = parts.map((p) => (Buffer.byteLength(p) <= MAX_NAME_PART_BYTES ? p : capName(p))).join('/');
  exportCtx.log?.warn(`export: an entry name of ${Buffer.byteLength(name)} bytes was cut to ${cut}`);
  return cut;
}

async function sendZip(format: ExportFormat, records: ExportRecords, exportCtx: ExportContext, res: Response, download: Download): Promise<void> {
  const stop = exportCtx.signal;
  const zip = new ZipArchive({ zlib: { level: 6 } });
  const sending = pump(zip, res, download, stop);
  sending.catch(() => {}); // awaited below; a failure meanwhile must not be an unhandled rejection
  let current: Readable | undefined;
  // When the export stops (client gone, exporter failed), the entry being read is
  // destroyed, which ends the exporter's generators, nothing more is read, and the zip is
  // dropped (pump sends nothing after the signal).
  stop.addEventListener(
    'abort',
    () => {
      current?.destroy(stop.reason as Error);
      zip.abort();
    },
    { once: true },
  );
  // Should the archive itself fail, the entry it was reading must not wait forever.
  zip.once('error', (err) => current?.destroy(err));
  const dirs = new Set<string>();
  const sink: ExportSink = {
    async file(given, content) {
      stop.throwIfAborted();
      const name = entryName(given, exportCtx);
      // Every folder gets its own entry, as in 0.8's zips (Annotations/, images/ ...).
      const parts = name.split('/');
      for (let i = 1; i < parts.length; i++) sink.dir(parts.slice(0, i).join('/'));
      const stream = toReadable(content);
      current = stream;
      // archiver reads entries one at a time; wait for this one before making the next.
      const done = new Promise<void>((resolve, reject) => {
        stream.once('end', resolve);
        stream.once('error', reject);
        stream.once('close', () => (stream.readableEnded ? resolve() : reject(stop.aborted ? stop.reason : new Error(`export entry ${name} was cut short`))));
      });
      zip.append(stream, { name });
      await done;
    },
    dir(given) {
      const name = entryName(given, exportCtx);
      const d = name.endsWith('/') ? name : name + '/';
      if (dirs.has(d)) return;
      dirs.add(d);
      zip.append(Buffer.alloc(0), { name: d });
    },
  };
  await format.write(records, sink, exportCtx);
  await zip.finalize();
  await sending;
  res.end();
}

/**
 * Sends the export: the format's single file (unless asZip), else a zip named after the
 * time. A failure before the first byte reaches the error handler (a JSON 500); after it,
 * the download can only be cut short, which the error handler does. A client that goes
 * away stops the export quietly (logged at info).
 */
export async function sendExport(ctx: ProjectContext, format: ExportFormat, res: Response, asZip: boolean): Promise<void> {
  const stamp = exportStamp();
  const single = format.singleFile && !asZip ? format.singleFile : undefined;
  // Named like 0.8's zip; a single file keeps its own extension: 2026-11-28-09-30-00.json
  const download: Download = single ? { name: stamp + single.extension, contentType: `${single.contentType}; charset=utf-8` } : { name: `${stamp}.zip`, contentType: 'application/zip' };
  // HEAD asks for the headers only: no need to run the export for them.
  if (res.req.method === 'HEAD') {
    downloadHeaders(res, download);
    res.end();
    return;
  }
  // Fires when the export is to stop: the client went away, or the exporter failed. Fetches
  // in flight are cancelled, no more records are read, nothing more is sent.
  const stop = new AbortController();
  let gone: Error | undefined;
  res.once('close', () => {
    if (res.writableFinished) return;
    gone = new Error('the client closed the connection during the export');
    stop.abort(gone);
  });
  const exportCtx = exportContext(ctx, stop.signal);
  const records = exportRecords(ctx, stop.signal);
  try {
    if (single) await sendSingleFile(format, records, exportCtx, res, download);
    else await sendZip(format, records, exportCtx, res, download);
  } catch (err) {
    if (gone) return exportCtx.log?.info(`${format.name} export abandoned by the client`);
    stop.abort(err);
    throw err;
  }
}
