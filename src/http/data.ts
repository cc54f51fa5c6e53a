// GET /data/upload/<file>: files stored by imports (api.md §5.22), with range requests
// (audio and video players seek with them). GET /upload/<file> is 0.8's deprecated alias
// (§5.23), kept because old tasks.json files still point at it. GET /data/<path>?d=<dir>
// serves local files when ALLOW_SERVING_LOCAL_FILES is on (0.8's image-dir/audio-dir
// tasks). Every path is confined to its folder: 0.8 served /data/upload/../config.json.
import { Router, type Request, type Response } from 'express';
import { isAbsolute } from 'node:path';
import type { ProjectContext } from '../services/context.ts';
import { resolveInside } from '../importers/uploads.ts';
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
function after(req: Request, prefix: string): string {
  return req.path.slice(prefix.length);
}

export function dataRouter(ctx: () => ProjectContext): Router {
  const r = Router();

  r.get(/^\/data\/upload\/.*/, (req, res) => serveFrom(ctx().store.uploadDir(), after(req, '/data/upload/'), res));

  r.get(/^\/upload\/.*/, (req, res) => {
    ctx().log.warn({ path: req.path }, 'GET /upload/<file> is deprecated; use /data/upload/<file>');
    return serveFrom(ctx().store.uploadDir(), after(req, '/upload/'), res);
  });

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
