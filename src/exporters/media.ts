// The files a task points at (images for COCO/VOC/YOLO, audio for ASR_MANIFEST), put
// into the export folder the way export.md §9.3 describes, with its fix: an uploaded file
// (/data/upload/<name>) is copied from the project's upload/ folder (0.8.2 tried to fetch
// the relative URL, failed, and left the URL). A remote http(s) file is fetched with a
// time and size limit, from public addresses only unless FETCH_ALLOW says otherwise
// (net/outbound.ts: a task pointing at http://127.0.0.1/... or the cloud metadata address
// must not put the answer into the zip). Whatever cannot be had keeps its URL and never
// fails the export.
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { isAbsolute, join, posix } from 'node:path';
import type { AllowList } from '../net/addresses.ts';
import { fetchOutbound, OutboundRefused } from '../net/outbound.ts';
import type { ExportContext, ExportSink, FileContent } from './types.ts';
import type { StoredUpload } from '../storage/store.ts';
import { capName } from './names.ts';

/** Reads len bytes at pos (fewer at the end of the file). */
export type ByteReader = (pos: number, len: number) => Promise<Buffer>;

export interface ResolvedMedia<Meta> {
  /** What the export writes as the file's name: its path in the export, or the original reference. */
  fileName: string;
  /** Where the file ended up in the export (undefined when it was not copied or fetched). */
  exportPath?: string;
  /** What the folder's inspector read from the file (image size, audio duration), when there is a file and it could. */
  meta?: Meta;
}

export const md5 = (s: string) => createHash('md5').update(s).digest('hex');

/** The name in /data/upload/<name> (also behind PUBLIC_URL), when it is a plain file name. */
export function uploadName(url: string, publicUrl: string): string | undefined {
  let rest: string | undefined;
  const base = publicUrl.replace(/\/+$/, '');
  if (url.startsWith('/data/upload/')) rest = url.slice('/data/upload/'.length);
  else if (base && url.startsWith(base + '/data/upload/')) rest = url.slice(base.length + '/data/upload/'.length);
  if (rest === undefined) return undefined;
  rest = rest.replace(/[?#].*$/, '');
  let name: string;
  try {
    name = decodeURIComponent(rest);
  } catch {
    return undefined;
  }
  // Confined to upload/: a plain name, no folders, no way up.
  if (!name || name === '.' || name === '..' || /[/\\\0]/.test(name)) return undefined;
  return name;
}

/** /data/<file>?d=<dir> (0.8's local-files serving) → <dir>/<file>; or a value that is itself an absolute path. */
export function localPath(url: string): string | undefined {
  const m = /^\/data\/([^?#]+)\?(?:.*&)?d=([^&#]+)/.exec(url);
  if (m) {
    try {
      return join(decodeURIComponent(m[2]!), decodeURIComponent(m[1]!));
    } catch {
      return undefined;
    }
  }
  if (isAbsolute(url) && !url.startsWith('/data/')) return url;
  return undefined;
}

export const isRemote = (url: string) => /^https?:\/\//i.test(url);

/** The last path component of a path or URL (query and fragment dropped). */
export function baseName(url: string): string {
  const path = isRemote(url) ? url.replace(/^https?:\/\/[^/]*/i, '').replace(/[?#].*$/, '') : url;
  return posix.basename(path.replace(/\\/g, '/'));
}

/** The name without its extension, as Python's splitext: ".hidden" keeps its name. */
export function stemOf(name: string): string {
  return posix.parse(name).name;
}

const fileReader = (path: string): ByteReader => async (pos, len) => {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(len);
    const { bytesRead } = await fh.read(buf, 0, len, pos);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
};

export const bufferReader = (buf: Buffer): ByteReader => async (pos, len) => buf.subarray(pos, pos + len);

/** Reads a byte range of a stored upload (image headers, WAV headers). */
const uploadReader = (file: StoredUpload): ByteReader => async (pos, len) => {
  if (len <= 0 || pos >= file.size) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const chunk of file.stream(pos, Math.min(file.size, pos + len) - 1)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

export interface FetchLimits {
  timeoutMs: number;
  maxBytes: number;
  /** FETCH_ALLOW: non-public hosts and ranges that may be fetched from. */
  allow: AllowList;
  /** Stops the fetch (the export's client went away). */
  signal?: AbortSignal;
}

/** GET url into memory, within the time and size limits, until the signal fires; throws on any failure. */
export async function fetchRemote(url: string, limits: FetchLimits): Promise<Buffer> {
  const timeout = AbortSignal.timeout(limits.timeoutMs);
  const signal = limits.signal ? AbortSignal.any([timeout, limits.signal]) : timeout;
  const res = await fetchOutbound(url, { allow: limits.allow, signal });
  if (res.status < 200 || res.status > 299) {
    res.cancel();
    throw new Error(`HTTP ${res.status}`);
  }
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > limits.maxBytes) {
    res.cancel();
    throw new Error(`larger than ${limits.maxBytes} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      size += chunk.byteLength;
      if (size > limits.maxBytes) throw new Error(`larger than ${limits.maxBytes} bytes`);
      chunks.push(chunk);
    }
  } finally {
    res.cancel();
  }
  return Buffer.concat(chunks);
}

/** Connection errors that say the host is down or unreachable, not that one file is missing. */
const HOST_DOWN_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'EHOSTDOWN', 'ENETUNREACH']);

/**
 * Whether a failed fetch says the host is down or unreachable (timed out, refused, no such
 * name), rather than that this one file is missing or too large.
 */
function hostDown(err: unknown): boolean {
  const e = err as NodeJS.ErrnoException;
  return e?.name === 'TimeoutError' || HOST_DOWN_CODES.has(e?.code ?? '');
}

/**
 * One folder of the export (images/, audio/) that task media are copied or fetched into;
 * each source is added once, later tasks pointing at it reuse it. What a format needs to
 * know of a file is read once by `inspect` and kept; the bytes of a fetched file are not
 * (they go into the export and are let go). A host that is down is remembered for the rest
 * of the export, so the next URLs on it do not each wait for the time limit again; and
 * once the export's signal fires, nothing more is resolved.
 */
export class MediaFolder<Meta> {
  private readonly resolved = new Map<string, ResolvedMedia<Meta>>();
  /**
   * The stems of the files in the folder, lower-cased. No two files share one: not a.png
   * and A.png (one file on Windows and macOS), nor a.png and a.jpg (YOLO pairs
   * labels/a.txt with the image by its stem).
   */
  private readonly takenStems = new Set<string>();
  private readonly hostsDown = new Set<string>();

  constructor(
    private readonly sink: ExportSink,
    private readonly folder: string,
    private readonly ctx: ExportContext,
    /** The file name a fetched URL gets in the folder. */
    private readonly remoteName: (url: string) => string,
    private readonly inspect: (read: ByteReader) => Promise<Meta | undefined>,
  ) {}

  async resolve(url: string): Promise<ResolvedMedia<Meta>> {
    const hit = this.resolved.get(url);
    if (hit) return hit;
    this.ctx.signal.throwIfAborted();
    const r = await this.resolveNew(url);
    this.resolved.set(url, r);
    return r;
  }

  private async withMeta(r: ResolvedMedia<Meta>, read: ByteReader): Promise<ResolvedMedia<Meta>> {
    const meta = await this.inspect(read).catch(() => undefined);
    return meta === undefined ? r : { ...r, meta };
  }

  private async resolveNew(url: string): Promise<ResolvedMedia<Meta>> {
    const upload = uploadName(url, this.ctx.publicUrl);
    if (upload !== undefined) {
      const stored = await this.ctx.uploads.get(upload);
      if (stored) {
        const exportPath = await this.add(upload, () => stored.stream());
        return this.withMeta({ fileName: exportPath, exportPath }, uploadReader(stored));
      }
      this.ctx.log?.warn(`export: ${url} is not in the project's upload folder; its URL is kept`);
      return { fileName: url };
    }
    const local = localPath(url);
    if (local !== undefined) {
      // A file on the server's disk is referred to where it is, not copied (as 0.8 did).
      return (await isFile(local)) ? this.withMeta({ fileName: local }, fileReader(local)) : { fileName: url };
    }
    if (isRemote(url)) return this.fetchNew(url);
    return { fileName: url };
  }

  private async fetchNew(url: string): Promise<ResolvedMedia<Meta>> {
    let host: string;
    try {
      host = new URL(url).host;
    } catch {
      this.ctx.log?.warn(`export: ${url} is not a valid URL; it is kept`);
      return { fileName: url };
    }
    if (this.hostsDown.has(host)) return { fileName: url };
    let bytes: Buffer;
    try {
      bytes = await fetchRemote(url, { timeoutMs: this.ctx.fetchTimeoutMs, maxBytes: this.ctx.maxFetchBytes, allow: this.ctx.fetchAllow, signal: this.ctx.signal });
    } catch (err) {
      this.ctx.signal.throwIfAborted();
      if (err instanceof OutboundRefused) {
        this.ctx.log?.warn(`export: ${err.message}; the URL is kept`);
        return { fileName: url };
      }
      const down = hostDown(err);
      if (down) this.hostsDown.add(host);
      const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      this.ctx.log?.warn(`export: unable to download ${url} (${why}); its URL is kept${down ? `, and the other URLs on ${host} are not tried` : ''}`);
      return { fileName: url };
    }
    const exportPath = await this.add(this.remoteName(url), () => bytes);
    return this.withMeta({ fileName: exportPath, exportPath }, bufferReader(bytes));
  }

  /** Adds the file under a stem not used yet in the folder (cut if too long, names.ts); returns its path in the export. */
  private async add(name: string, content: () => FileContent): Promise<string> {
    const stem = stemOf(name);
    let candidate = capName(name);
    for (let n = 1; this.takenStems.has(stemOf(candidate).toLowerCase()); n++) candidate = capName(`${stem}-${n}${name.slice(stem.length)}`);
    this.takenStems.add(stemOf(candidate).toLowerCase());
    const path = `${this.folder}/${candidate}`;
    await this.sink.file(path, content());
    return path;
  }
}
