// Multipart uploads, read with multer into the import's temporary folder: files are
// streamed to disk as they arrive (never held in memory), and the request's total file
// bytes are capped across all parts (multer's own limit is per file).
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
  /** Total bytes of all file parts. */
  maxBytes: number;
}

export interface MultipartBody {
  files: InputFile[];
  fields: Record<string, unknown>;
}

/** A multer storage engine writing each part to tempDir and counting bytes over all parts. */
function cappedDiskStorage(options: MultipartOptions): multer.StorageEngine {
  let total = 0;
  let parts = 0;
  return {
    _handleFile(_req, file, cb) {
      const path = join(options.tempDir, `part-${++parts}`);
      let size = 0;
      const count = new Transform({
        transform(chunk: Buffer, _enc, done) {
          size += chunk.length;
          total += chunk.length;
          done(total > options.maxBytes ? tooManyBytes(options.maxBytes, total, false) : null, chunk);
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
  const upload = multer({
    storage: cappedDiskStorage(options),
    // Browsers send UTF-8 file names; busboy would read them as latin1.
    defParamCharset: 'utf8',
    // No fileSize: the storage engine caps the total of all files, which covers each one.
    limits: { fieldSize: 1024 * 1024, fields: 1000, files: 100_000 },
  }).any();
  await new Promise<void>((resolve, reject) => upload(req, res, (err?: unknown) => (err ? reject(multipartFailure(err)) : resolve())));
  const files = (req.files as Express.Multer.File[] | undefined) ?? [];
  return {
    files: files.map((f) => ({ name: decisionName(f.originalname, f.fieldname), path: f.path, size: f.size })),
    fields: { ...(req.body as Record<string, unknown>) },
  };
}
