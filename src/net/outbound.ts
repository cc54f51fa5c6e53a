// Every request the server makes on a client's behalf (URL import, remote images and audio
// in an export, calls to ML backends) goes through fetchOutbound, which refuses to connect
// to addresses that are not public (addresses.ts) unless an allow list (FETCH_ALLOW, or
// ML_BACKEND_ALLOW for ML backends) lets them through.
//
// Where the check happens matters. Checking a URL's host and then letting the HTTP client
// resolve it again loses to DNS rebinding (the name answers a public address to the check
// and 127.0.0.1 to the connection). So the check sits in the connection's own `lookup`:
// the addresses it lets through are the only ones the socket can connect to. IP literals
// (which never reach `lookup`) are checked before connecting, redirects are followed here
// one hop at a time with each hop checked the same way, and the address the socket did
// connect to is checked once more before a byte of the answer is used.
//
// Node's http/https modules rather than fetch: fetch (undici) takes no per-request lookup
// without the undici package's own Agent, and follows redirects past any check of ours.
import dns from 'node:dns';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { pipeline, type Readable } from 'node:stream';
import zlib from 'node:zlib';
import { classifyAddress, formatIp, hostKey, isAllowed, parseIp, type AddressVerdict, type AllowList } from './addresses.ts';

/** At most this many redirects are followed (fetch allowed 20). */
export const MAX_REDIRECTS = 5;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** A fetch refused on purpose: its message says what was refused, why, and how to allow it. */
export class OutboundRefused extends Error {
  override name = 'OutboundRefused';
}

/** dns.lookup with {all: true}; tests pass their own to answer like a rebinding DNS server. */
export type Resolver = (hostname: string, options: dns.LookupAllOptions, callback: (err: NodeJS.ErrnoException | null, addresses: dns.LookupAddress[]) => void) => void;

const systemResolver: Resolver = (hostname, options, callback) => dns.lookup(hostname, options, callback);

export interface OutboundOptions {
  /** FETCH_ALLOW: what may be fetched although it is not public. */
  allow: AllowList;
  /** The setting a refusal tells the user to change (FETCH_ALLOW by default). */
  allowSetting?: string;
  /** GET by default; a POST sends `body`. Redirects of a POST are never followed. */
  method?: 'GET' | 'POST';
  body?: string | Buffer;
  /** Sent besides Accept and User-Agent (which they may replace). */
  headers?: Record<string, string>;
  /**
   * Time the TCP (and TLS) connection may take, in milliseconds; the signal still bounds
   * the whole exchange. A black-holed address then fails fast instead of at the deadline.
   */
  connectTimeoutMs?: number;
  /** Aborts the fetch, the body included; the fetch then fails with the signal's reason. */
  signal?: AbortSignal;
  maxRedirects?: number;
  resolve?: Resolver;
}

export interface OutboundResponse {
  status: number;
  statusText: string;
  headers: Headers;
  /** The URL answered, after redirects. */
  url: URL;
  /** The address the answer came from. */
  remoteAddress: string;
  /** The response body; it fails with the signal's reason if the signal fires while it is read. */
  body: Readable;
  /** Stops reading and lets the connection go. */
  cancel(): void;
}

/** "an unspecified", "a unique-local": only one kind is said with "an". */
const article = (kind: string) => (kind === 'unspecified' ? 'an' : 'a');

function describeVerdict(verdict: AddressVerdict): string {
  return `${article(verdict.kind)} ${verdict.kind} address${verdict.via ? ` (${verdict.via})` : ''}`;
}

/** Says which URL was refused; for a later hop, which URL the client asked for and where it led. */
function refusedMessage(asked: URL, hop: URL, why: string, allowWith: string, setting = 'FETCH_ALLOW'): string {
  const where = hop.href === asked.href ? asked.href : `${asked.href} (redirected to ${hop.href})`;
  return `Refused to fetch ${where}: ${why}; set ${setting}=${allowWith} to allow it`;
}

/**
 * The connection's lookup: resolves, then hands the connection only the addresses that may
 * be fetched from; when none may, fails with `refuse` (which the request then fails with).
 */
export function guardedLookup(resolver: Resolver, allow: AllowList, refuse: (host: string, verdict: AddressVerdict) => Error): LookupFunction {
  return (hostname, options, callback) => {
    resolver(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '');
      let refusal: AddressVerdict | undefined;
      const usable = addresses.filter(({ address }) => {
        const bytes = parseIp(address);
        if (bytes && isAllowed(allow, hostname, bytes)) return true;
        const verdict = classifyAddress(bytes ?? address);
        refusal ??= verdict;
        return !verdict;
      });
      if (usable.length === 0) {
        if (refusal) return callback(refuse(hostname, refusal), '');
        return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '');
      }
      if (options.all) callback(null, usable);
      else callback(null, usable[0]!.address, usable[0]!.family);
    });
  };
}

function headersOf(res: IncomingMessage): Headers {
  const headers = new Headers();
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
    try {
      headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
    } catch {
      // A header value fetch's Headers refuses: nothing we read depends on it.
    }
  }
  return headers;
}

/** One request, no redirects followed; resolves when the answer's head has arrived. */
function requestOnce(url: URL, asked: URL, options: OutboundOptions): Promise<IncomingMessage> {
  const { allow, signal } = options;
  return new Promise((resolve, reject) => {
    const refuse = (host: string, verdict: AddressVerdict) =>
      new OutboundRefused(refusedMessage(asked, url, `${host} resolves to ${describeVerdict(verdict)}`, host, options.allowSetting));
    const client = url.protocol === 'https:' ? https : http;
    const headers: Record<string, string> = { accept: '*/*', 'user-agent': 'labelstream', ...options.headers };
    if (options.body !== undefined) headers['content-length'] = String(Buffer.byteLength(options.body));
    const req = client.request(url, {
      method: options.method ?? 'GET',
      // A connection of its own: a pooled socket would skip our lookup.
      agent: false,
      lookup: guardedLookup(options.resolve ?? systemResolver, allow, refuse),
      headers,
    });
    if (options.connectTimeoutMs !== undefined) {
      const ms = options.connectTimeoutMs;
      req.once('socket', (socket) => {
        const timer = setTimeout(() => req.destroy(Object.assign(new Error(`connecting to ${url.host} took longer than ${ms} ms`), { code: 'ECONNTIMEOUT' })), ms);
        socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => clearTimeout(timer));
        socket.once('close', () => clearTimeout(timer));
      });
    }
    const onAbort = () => req.destroy(signal!.reason as Error);
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => signal?.removeEventListener('abort', onAbort);
    req.once('error', (err) => {
      done();
      reject(signal?.aborted ? signal.reason : err);
    });
    req.once('response', (res) => {
      // Belt and braces: whatever path the socket took, the peer must be an address we allow.
      const remote = res.socket.remoteAddress ?? '';
      const bytes = parseIp(remote);
      const verdict = bytes && isAllowed(allow, url.hostname, bytes) ? undefined : classifyAddress(bytes ?? remote);
      if (verdict) {
        done();
        req.destroy();
        reject(new OutboundRefused(refusedMessage(asked, url, `${remote} is ${describeVerdict(verdict)}`, remote, options.allowSetting)));
        return;
      }
      // From here the signal cuts the body short, with its own reason.
      signal?.removeEventListener('abort', onAbort);
      const onBodyAbort = () => res.destroy(signal!.reason as Error);
      signal?.addEventListener('abort', onBodyAbort, { once: true });
      res.once('close', () => signal?.removeEventListener('abort', onBodyAbort));
      resolve(res);
    });
    req.end(options.body);
  });
}

const DECODERS: Record<string, () => zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress> = {
  gzip: () => zlib.createGunzip(),
  'x-gzip': () => zlib.createGunzip(),
  deflate: () => zlib.createInflate(),
  br: () => zlib.createBrotliDecompress(),
};

/**
 * The body as sent before any Content-Encoding, as fetch gave it. We ask for none, but
 * some servers encode anyway (S3 serves an object stored gzipped as it is stored).
 */
function decoded(res: IncomingMessage): Readable {
  const decoder = DECODERS[String(res.headers['content-encoding'] ?? '').trim().toLowerCase()];
  if (!decoder) return res;
  // Errors (the signal's reason among them) reach the decoder, which the caller reads.
  return pipeline(res, decoder(), () => {});
}

/** Refuses a URL whose host is an IP address that may not be fetched from (such hosts skip lookup). */
function checkLiteral(url: URL, asked: URL, allow: AllowList, setting?: string): void {
  const bytes = parseIp(url.hostname);
  if (!bytes || isAllowed(allow, url.hostname, bytes)) return;
  const verdict = classifyAddress(bytes);
  if (!verdict) return;
  const shown = hostKey(url.hostname);
  const allowWith = bytes.length === 16 && verdict.via?.startsWith('IPv4-mapped') ? formatIp(bytes.slice(12)) : shown;
  throw new OutboundRefused(refusedMessage(asked, url, `${shown} is ${describeVerdict(verdict)}`, allowWith, setting));
}

/**
 * GETs (or POSTs to) an http(s) URL, following at most MAX_REDIRECTS redirects of a GET,
 * connecting only to addresses that are public or allowed. Throws OutboundRefused for a
 * refused address or a redirect to another scheme, the signal's reason once it fires, and
 * the connection's error otherwise (ECONNREFUSED, ENOTFOUND ...). Any status is returned,
 * as fetch does; a redirect that is not followed (a POST's, or with maxRedirects 0) too.
 */
export async function fetchOutbound(target: string | URL, options: OutboundOptions): Promise<OutboundResponse> {
  const asked = new URL(target);
  const maxRedirects = options.maxRedirects ?? MAX_REDIRECTS;
  let url = asked;
  for (let hop = 0; ; hop++) {
    options.signal?.throwIfAborted();
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      const why = hop === 0 ? 'only http and https URLs are fetched' : `it redirects to ${url.href}, which is not an http or https URL`;
      throw new OutboundRefused(`Refused to fetch ${asked.href}: ${why}`);
    }
    checkLiteral(url, asked, options.allow, options.allowSetting);
    const res = await requestOnce(url, asked, options);
    const location = res.headers.location;
    const follows = (options.method ?? 'GET') === 'GET' && maxRedirects > 0;
    if (follows && REDIRECTS.has(res.statusCode ?? 0) && location) {
      res.destroy();
      if (hop >= maxRedirects) throw new Error(`more than ${maxRedirects} redirects`);
      try {
        url = new URL(location, url);
      } catch {
        throw new Error(`a redirect to ${JSON.stringify(location)}, which is not a URL`);
      }
      continue;
    }
    const body = decoded(res);
    return {
      status: res.statusCode ?? 0,
      statusText: res.statusMessage ?? '',
      headers: headersOf(res),
      url,
      remoteAddress: res.socket.remoteAddress ?? '',
      body,
      cancel: () => {
        res.destroy();
        body.destroy();
      },
    };
  }
}
