// GET /api/project/export: the chosen format, as its single file or as a zip (archiver),
// made as the body stream is read. Nothing is written to the project (0.8 kept every
// export zip under export/ and shared one folder between exports in the same second), so
// a failed or abandoned export leaves nothing behind. http/export.ts sends the stream.
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ZipArchive } from 'archiver';
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

/** The completion files in ascending task id, as they are when the export starts (the store's snapshot). */
export function exportRecords(ctx: ProjectContext, signal?: AbortSignal): ExportRecords {
  return { [Symbol.asyncIterator]: () => ctx.store.completionFiles(signal)[Symbol.asyncIterator]() };
}

export async function chooseFormat(ctx: ProjectContext, name: unknown): Promise<ExportFormat> {
  const config = await currentConfig(ctx);
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

async function exportContext(ctx: ProjectContext, signal: AbortSignal): Promise<ExportContext> {
  return {
    signal,
    config: await currentConfig(ctx),
    uploads: ctx.store.uploads,
    fetchTimeoutMs: ctx.settings.EXPORT_FETCH_TIMEOUT_MS,
    maxFetchBytes: ctx.settings.MAX_UPLOAD_SIZE,
    fetchAllow: ctx.settings.FETCH_ALLOW,
    publicUrl: ctx.settings.PUBLIC_URL,
    log: ctx.log,
  };
}

/** What the download is called and what it holds. */
export interface Download {
  name: string;
  contentType: string;
}

/** The download an export gives: the format's single file (unless asZip), else a zip named after the time. */
export function downloadOf(format: ExportFormat, asZip: boolean, stamp = exportStamp()): Download {
  const single = format.singleFile && !asZip ? format.singleFile : undefined;
  // Named like 0.8's zip; a single file keeps its own extension: 2026-11-28-09-30-00.json
  return single ? { name: stamp + single.extension, contentType: `${single.contentType}; charset=utf-8` } : { name: `${stamp}.zip`, contentType: 'application/zip' };
}

/** The format's one file, as a stream: the exporter writes into it as it is read. */
function singleFileBody(format: ExportFormat, records: ExportRecords, exportCtx: ExportContext, stop: AbortController): Readable {
  const out = new PassThrough();
  let sent = false;
  const sink: ExportSink = {
    async file(_name, content) {
      if (sent) throw new Error(`${format.name} wrote more than one file`);
      sent = true;
      await pipeline(toReadable(content), out, { end: false, signal: exportCtx.signal });
    },
    dir() {},
  };
  format.write(records, sink, exportCtx).then(
    () => out.end(),
    (err: Error) => {
      stop.abort(err);
      out.destroy(err);
    },
  );
  return out;
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

/** The zip, as a stream: archiver reads each entry as the exporter adds it. */
function zipBody(format: ExportFormat, records: ExportRecords, exportCtx: ExportContext, stop: AbortController): Readable {
  const signal = exportCtx.signal;
  const zip = new ZipArchive({ zlib: { level: 6 } });
  let current: Readable | undefined;
  // When the export stops (client gone, exporter failed), the entry being read is
  // destroyed, which ends the exporter's generators, nothing more is read, and the zip is
  // dropped.
  signal.addEventListener(
    'abort',
    () => {
      current?.destroy(signal.reason as Error);
      zip.abort();
    },
    { once: true },
  );
  // Should the archive itself fail, the entry it was reading must not wait forever.
  zip.once('error', (err) => current?.destroy(err));
  const dirs = new Set<string>();
  const sink: ExportSink = {
    async file(given, content) {
      signal.throwIfAborted();
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
        stream.once('close', () => (stream.readableEnded ? resolve() : reject(signal.aborted ? signal.reason : new Error(`export entry ${name} was cut short`))));
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
  format
    .write(records, sink, exportCtx)
    .then(() => zip.finalize())
    .catch((err: Error) => {
      stop.abort(err);
      zip.destroy(err);
    });
  return zip;
}

/**
 * Starts an export: its body stream, made as it is read. `stop` ends it early (the client
 * went away): fetches in flight are cancelled, no more records are read, and the stream
 * is destroyed with the abort reason. An exporter that fails destroys the stream with its
 * error.
 */
export async function exportBody(ctx: ProjectContext, format: ExportFormat, asZip: boolean, stop: AbortController): Promise<Readable> {
  const exportCtx = await exportContext(ctx, stop.signal);
  const records = exportRecords(ctx, stop.signal);
  return format.singleFile && !asZip ? singleFileBody(format, records, exportCtx, stop) : zipBody(format, records, exportCtx, stop);
}
