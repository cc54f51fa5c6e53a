// Multipart uploads, read with multer into the import's temporary folder: files are
// streamed to disk as they arrive (never held in memory), and the request's bytes are
// capped across all parts, files and text fields alike (multer's own limits are per
// part: 1,000 fields of 1 MB each were held in memory and never counted).
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream';
import type { Request, Response } from 'express';
import multer from 'multer';
import { ImportFailure, tooManyBytes } from './errors.ts';
import { decisionName } from './names.ts';
import type { InputFile } from './types.ts';

export interface MultipartOptions {
  tempDir: string;
  /** Total bytes of all parts: file contents, field names and values. */
  maxBytes: number;
}

/** The running total of one request's part bytes, shared by files and fields. */
class ByteCount {
  total = 0;
  constructor(readonly max: number) {}

  /** Adds n bytes; the error to fail with once over the limit. */
  add(n: number): ImportFailure | null {
    this.total += n;
    return this.total > this.max ? tooManyBytes(this.max, this.total, false) : null;
  }
}

/** Minimal view of busboy, which multer hands to its streamHandler option. */
interface FormParser extends NodeJS.WritableStream {
  on(event: 'field', listener: (name: string, value: string) => void): this;
  destroy(err?: Error): void;
}

export interface MultipartBody {
  files: InputFile[];
  fields: Record<string, unknown>;
}

/** A multer storage engine writing each part to tempDir and counting its bytes. */
function cappedDiskStorage(options: MultipartOptions, bytes: ByteCount): multer.StorageEngine {
  let parts = 0;
  return {
    _handleFile(_req, file, cb) {
      const path = join(options.tempDir, `part-${++parts}`);
      let size = 0;
      const count = new Transform({
        transform(chunk: Buffer, _enc, done) {
          size += chunk.length;
          done(bytes.add(chunk.length), chunk);
        },
      });
      pipeline(file.stream, count, createWriteStream(path), (err) => {
        if (err) {
          void rm(path, { force: true }).finally(() => cb(err));
          return;
        }
        cb(null, { path, size });
      });
    },
    _removeFile(_req, file, cb) {
      rm(file.path, { force: true }).then(() => cb(null), cb);
    },
  };
}

/** multer's errors in the import's words: bad requests. */
function multipartFailure(err: unknown): unknown {
  if (err instanceof ImportFailure) return err;
  const e = err as Error & { code?: string };
  if (typeof e.code === 'string' && e.code.startsWith('LIMIT_')) return new ImportFailure(`Bad multipart request: ${e.message}`);
  // busboy's complaints about the body itself ("Unexpected end of form", "Malformed part header").
  if (e.code === undefined && !('syscall' in e) && !(e instanceof TypeError || e instanceof ReferenceError)) return new ImportFailure(`Bad multipart request: ${e.message}`);
  return err;
}

/** Reads every part of a multipart request, files in request order. */
export async function receiveMultipart(req: Request, res: Response, options: MultipartOptions): Promise<MultipartBody> {
  const bytes = new ByteCount(options.maxBytes);
  const settings: multer.Options & { streamHandler: (req: Request, parser: FormParser) => void } = {
    storage: cappedDiskStorage(options, bytes),
    // Browsers send UTF-8 file names; busboy would read them as latin1.
    defParamCharset: 'utf8',
    // No fileSize: the byte count caps the total of all parts, which covers each one.
    limits: { fieldSize: 1024 * 1024, fields: 1000, files: 100_000 },
    // Each text field, once read (at most fieldSize), counts toward the same total.
    streamHandler(req, parser) {
      parser.on('field', (name, value) => {
        const over = bytes.add(Buffer.byteLength(name) + Buffer.byteLength(value));
        if (over) parser.destroy(over);
      });
      req.pipe(parser);
    },
  };
  const upload = multer(settings).any();
  await new Promise<void>((resolve, reject) => upload(req, res, (err?: unknown) => (err ? reject(multipartFailure(err)) : resolve())));
  const files = (req.files as Express.Multer.File[] | undefined) ?? [];
  return {
    files: files.map((f) => ({ name: decisionName(f.originalname, f.fieldname), path: f.path, size: f.size })),
    fields: { ...(req.body as Record<string, unknown>) },
  };
}
