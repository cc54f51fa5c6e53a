// GET /data/upload/<file>: files stored by imports (api.md §5.22), with range requests
// (audio and video players seek with them); its deprecated alias /upload/<file> is in
// aliases.ts. GET /data/<path>?d=<dir>
// serves local files when ALLOW_SERVING_LOCAL_FILES is on (0.8's image-dir/audio-dir
// tasks). Every path is confined to its folder: 0.8 served /data/upload/../config.json.
import { Router, type Request, type Response } from 'express';
import { extname, isAbsolute } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ProjectContext } from '../services/context.ts';
import { resolveInside } from '../util/paths.ts';
import { extensionOf } from '../importers/names.ts';
import { AppError } from '../errors.ts';
import { sendError } from './errors.ts';

/** Types a browser may show in the page; anything else (SVG, HTML, unknown) is a download. */
const INLINE = /^\.(png|jpe?g|gif|webp|bmp|tiff?|ico|avif|wav|mp3|ogg|oga|flac|m4a|aac|opus|weba|mp4|m4v|webm|ogv|mov|pdf|txt|csv|tsv|json)$/i;

function contentDisposition(name: string): string {
  const kind = INLINE.test(extensionOf(name)) ? 'inline' : 'attachment';
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

function notFound(res: Response): void {
  sendError(res, new AppError('file_not_found', 'File not found'));
}

async function serveFrom(root: string, requested: string, res: Response): Promise<void> {
  const file = await resolveInside(root, requested);
  if (!file) return notFound(res);
  const name = decodeURIComponent(requested).split('/').pop()!;
  await new Promise<void>((resolve, reject) => {
    res.sendFile(
      file,
      {
        dotfiles: 'allow', // hidden segments were refused above; the folder's own path may have some
        acceptRanges: true,
        lastModified: true,
        headers: { 'X-Content-Type-Options': 'nosniff', 'Content-Disposition': contentDisposition(name) },
      },
      (err?: Error & { code?: string; status?: number }) => {
        if (!err) return resolve();
        if (res.headersSent) return resolve(); // the client went away mid-file
        if (err.code === 'ENOENT' || err.status === 404) {
          notFound(res);
          return resolve();
        }
        if (err.status && err.status < 500) {
          res.status(err.status).end();
          return resolve();
        }
        reject(err);
      },
    );
  });
}

/** The path after a prefix, still percent-encoded (Express does not decode req.path). */
export function after(req: Request, prefix: string): string {
  return req.path.slice(prefix.length);
}

/**
 * A stored upload, whatever the engine keeps it in: its type from the extension, one byte
 * range when asked (audio and video players seek with them), 416 for a range past the end.
 */
export async function serveUpload(ctx: ProjectContext, requested: string, req: Request, res: Response): Promise<void> {
  let name: string;
  try {
    name = decodeURIComponent(requested);
  } catch {
    return notFound(res);
  }
  const file = await ctx.store.uploads.get(name);
  if (!file) return notFound(res);
  res.type(extname(name) || 'application/octet-stream');
  res.set({
    'Accept-Ranges': 'bytes',
    'Last-Modified': file.modified.toUTCString(),
    'Content-Disposition': contentDisposition(name.split('/').pop()!),
  });
  let start = 0;
  let end = file.size - 1;
  const ranges = req.headers.range ? req.range(file.size, { combine: true }) : undefined;
  if (ranges === -1) {
    res.status(416).set('Content-Range', `bytes */${file.size}`).end();
    return;
  }
  if (Array.isArray(ranges) && ranges.type === 'bytes' && ranges.length === 1) {
    ({ start, end } = ranges[0]!);
    res.status(206).set('Content-Range', `bytes ${start}-${end}/${file.size}`);
  }
  res.set('Content-Length', String(Math.max(0, end - start + 1)));
  if (req.method === 'HEAD' || file.size === 0) {
    res.end();
    return;
  }
  try {
    await pipeline(file.stream(start, end), res);
  } catch (err) {
    if (!res.headersSent) throw err;
    res.destroy(); // the client went away mid-file, or the store failed: cut it short
  }
}

export function dataRouter(ctx: () => ProjectContext): Router {
  const r = Router();

  r.get(/^\/data\/upload\/.*/, (req, res) => serveUpload(ctx(), after(req, '/data/upload/'), req, res));

  r.get(/^\/data\/.+/, (req, res) => {
    const c = ctx();
    if (!c.settings.ALLOW_SERVING_LOCAL_FILES) {
      throw new AppError('local_files_disabled', 'Serving local files is not allowed. Set ALLOW_SERVING_LOCAL_FILES=true to enable local serving');
    }
    const dir = req.query.d;
    if (typeof dir !== 'string' || !isAbsolute(dir)) return notFound(res);
    return serveFrom(dir, after(req, '/data/'), res);
  });

  return r;
}
