// URL import (config-and-import §2.10): the url form field is downloaded into the import's
// temporary folder and then handled like an uploaded file of that name. Unlike 0.8: only
// http and https, TLS verified, a timeout, the size cap enforced while streaming (0.8
// trusted Content-Length), and the kind taken from the URL's path, not from whatever the
// query string ends with (Quirk Q-I5). And the download connects only to public addresses
// unless FETCH_ALLOW says otherwise (net/outbound.ts): asked for
// http://127.0.0.1:8080/api/tasks, 0.8 imported the server's own tasks. A download stops
// when the import's client goes away.
import { createWriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { AllowList } from '../net/addresses.ts';
import { fetchOutbound, OutboundRefused, type OutboundResponse } from '../net/outbound.ts';
import { ImportFailure, tooManyBytes } from './errors.ts';
import { baseName, extensionOf } from './names.ts';
import type { InputFile } from './types.ts';

/** How long a download may take, start to end, when the caller does not say (URL_IMPORT_TIMEOUT_MS). */
export const URL_TIMEOUT_MS = 120_000;

/** Extensions for responses whose URL path has none (…/export?format=json). */
const EXTENSION_BY_TYPE: Record<string, string> = {
  'application/json': '.json',
  'text/csv': '.csv',
  'text/tab-separated-values': '.tsv',
  'text/plain': '.txt',
  'text/html': '.html',
  'application/xml': '.xml',
  'text/xml': '.xml',
  'application/zip': '.zip',
  'image/png': '.png',
  'image/jpeg': '.jpg',
  'image/gif': '.gif',
  'image/webp': '.webp',
  'audio/wav': '.wav',
  'audio/x-wav': '.wav',
  'audio/mpeg': '.mp3',
  'video/mp4': '.mp4',
  'application/pdf': '.pdf',
};

/** filename*=UTF-8''<percent-encoded> (RFC 6266) or filename="<name>". */
function dispositionName(header: string): string | undefined {
  const extended = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(header);
  if (extended) {
    try {
      return decodeURIComponent(extended[1]!.trim());
    } catch {
      // fall through to the plain parameter
    }
  }
  return /filename\s*=\s*"?([^";]+)"?/i.exec(header)?.[1]?.trim();
}

/** The file name a download goes by: the URL path's last segment, else the Content-Disposition name. */
export function downloadName(url: URL, headers: Headers): string {
  let name = '';
  try {
    name = baseName(decodeURIComponent(url.pathname));
  } catch {
    name = baseName(url.pathname);
  }
  if (extensionOf(name)) return name;
  const fromHeader = dispositionName(headers.get('content-disposition') ?? '');
  if (fromHeader && extensionOf(fromHeader)) return baseName(fromHeader);
  const type = (headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  return (name || url.hostname) + (EXTENSION_BY_TYPE[type] ?? '');
}

export interface DownloadOptions {
  tempDir: string;
  maxBytes: number;
  timeoutMs?: number;
  /** FETCH_ALLOW: non-public hosts and ranges that may be downloaded from. */
  allow: AllowList;
  /** Fires when the download is no longer wanted (its client went away); the download stops. */
  signal?: AbortSignal;
}

let downloads = 0;

export async function downloadUrl(raw: string, options: DownloadOptions): Promise<InputFile> {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ImportFailure(`unknown url type: '${raw}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ImportFailure(`Only http and https URLs can be imported, not ${url.protocol.replace(/:$/, '')}: ${raw}`);
  }
  const timeoutMs = options.timeoutMs ?? URL_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  const failed = (err: unknown): ImportFailure => {
    if (timeout.aborted) return new ImportFailure(`Download of ${raw} timed out after ${timeoutMs} ms`);
    if (options.signal?.aborted) return new ImportFailure(`Download of ${raw} stopped: ${(options.signal.reason as Error)?.message ?? 'cancelled'}`);
    if (err instanceof OutboundRefused) return new ImportFailure(err.message);
    return new ImportFailure(`Download of ${raw} failed: ${(err as Error).message}`);
  };
  let res: OutboundResponse;
  try {
    res = await fetchOutbound(url, { allow: options.allow, signal });
  } catch (err) {
    throw failed(err);
  }
  if (res.status < 200 || res.status > 299) {
    res.cancel();
    throw new ImportFailure(`HTTP Error ${res.status}: ${res.statusText}`);
  }
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > options.maxBytes) {
    res.cancel();
    throw tooManyBytes(options.maxBytes, declared);
  }
  const path = join(options.tempDir, `download-${++downloads}`);
  let size = 0;
  const cap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      done(size > options.maxBytes ? tooManyBytes(options.maxBytes, size, false) : null, chunk);
    },
  });
  try {
    await pipeline(res.body, cap, createWriteStream(path));
  } catch (err) {
    await unlink(path).catch(() => {});
    throw err instanceof ImportFailure ? err : failed(err);
  }
  return { name: downloadName(url, res.headers), path, size };
}
