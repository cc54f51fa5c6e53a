// Refuses the requests a web page on another site can make the user's browser send here.
//
// With auth off (the default) the server obeys whoever reaches it, and the browser of the
// person running it reaches it on behalf of every page it shows:
// - Cross-site writes. Any page may POST a form, a text/plain body or a multipart upload
//   to http://127.0.0.1:8080 without asking; CORS only hides the answer from the page.
//   Browsers name the page's origin in Origin on every POST, PUT, PATCH and DELETE, so a
//   write whose Origin is not this server's is refused. Basic auth does not stop this:
//   browsers resend remembered credentials with such requests.
// - DNS rebinding. A page on evil.example points evil.example at 127.0.0.1; the browser
//   then takes the server for evil.example itself, same origin, free to read and write.
//   Its requests still say Host: evil.example, so a server listening on loopback answers
//   only to loopback names (and the ones configured).
// Scripts and curl send no Origin and use the name they connect to: they pass as before.
import type { Request, RequestHandler } from 'express';
import { isIP } from 'node:net';
import type { Settings } from '../settings.ts';
import { AppError } from '../errors.ts';
import { isHealthCheck } from './misc.ts';

/** Methods that only read; everything else may change data. */
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** scheme://host[:port] of an http(s) URL, default port left out; undefined otherwise. */
export function originOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The host name of a Host header: lower-case, without port or final dot, IPv6 in
 * brackets. Undefined when it is not a host (a URL, spaces, an unclosed bracket).
 */
export function hostNameOf(header: string): string | undefined {
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    if (end < 0 || isIP(h.slice(1, end)) !== 6) return undefined;
    if (h.length > end + 1 && !/^:\d+$/.test(h.slice(end + 1))) return undefined;
    return h.slice(0, end + 1);
  }
  const m = /^([a-z0-9_.-]+)(:\d+)?$/.exec(h);
  if (!m) return undefined;
  const name = m[1]!.replace(/\.$/, '');
  return name === '' ? undefined : name;
}

const LOOPBACK_V4 = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/**
 * Names that always mean this machine: localhost, *.localhost (RFC 6761 reserves the
 * name; browsers resolve it to loopback themselves and nobody can register it, so it
 * cannot be rebound), 127.x.x.x and [::1]. An IP address in Host cannot come from a
 * rebinding page either, but only loopback ones are taken without being listed.
 */
export function isLoopbackName(name: string): boolean {
  return name === 'localhost' || name.endsWith('.localhost') || LOOPBACK_V4.test(name) || name === '[::1]';
}

/** The HOST setting as a Host header names it ("::1" → "[::1]"). */
function listenName(host: string): string {
  const h = host.toLowerCase();
  return isIP(h) === 6 ? `[${h}]` : h;
}

/** Whether the server listens on loopback only (HOST=127.0.0.1, ::1, localhost...). */
export function listensOnLoopback(host: string): boolean {
  const h = listenName(host);
  return isLoopbackName(h) || /^\[::ffff:127\.[\d.]+\]$/.test(h);
}

/**
 * Refuses every request whose Host is not a loopback name, HOST itself, the host of
 * PUBLIC_URL or one in ALLOWED_HOSTS, when the server listens on loopback or
 * ALLOWED_HOSTS is set. Listening on 0.0.0.0 without ALLOWED_HOSTS, Host is not checked
 * (the server does not know its names); rebinding is then stopped only by auth.
 *
 * The answer is 421 Misdirected Request (RFC 9110 §15.5.20): "this server is not set up
 * to answer for that authority". The request is well formed (not 400), and the client
 * cannot get permission for it (not 403); the message says which setting would let it in.
 *
 * /api/health is left out: it says only "up", and probes ask it under whatever name.
 * A request without Host (HTTP/1.0) passes: no browser sends one.
 */
export function refuseForeignHosts(settings: Settings): RequestHandler {
  const listed = new Set(settings.ALLOWED_HOSTS);
  const own = listenName(settings.HOST);
  if (own !== '0.0.0.0' && own !== '[::]') listed.add(own);
  const publicUrl = originOf(settings.PUBLIC_URL);
  if (publicUrl) listed.add(new URL(publicUrl).hostname);
  if (!listensOnLoopback(settings.HOST) && settings.ALLOWED_HOSTS.length === 0) return (_req, _res, next) => next();
  const names = [...new Set(['localhost', '127.0.0.1', '[::1]', ...listed])];
  const answersTo = `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;

  return (req, _res, next) => {
    const header = req.headers.host;
    if (header === undefined || isHealthCheck(req.path)) return next();
    const name = hostNameOf(header);
    if (name !== undefined && (isLoopbackName(name) || listed.has(name))) return next();
    const shown = JSON.stringify(name ?? header);
    next(
      new AppError(
        'host_not_allowed',
        `This server does not answer to the name ${shown}: it answers to ${answersTo} (other names are refused to defeat DNS rebinding). To use ${shown}, add it to ALLOWED_HOSTS.`,
      ),
    );
  };
}

/** This server's origin as the client addressed it: scheme and Host (X-Forwarded-* when TRUST_PROXY says so). */
function ownOrigin(req: Request): string | undefined {
  return req.host ? originOf(`${req.protocol}://${req.host}`) : undefined;
}

/**
 * Refuses requests that may change data (any method but GET, HEAD and OPTIONS) when they
 * come from a page on another origin: an Origin header that is neither this server's own
 * (scheme + Host of the request), nor PUBLIC_URL's, nor in ALLOWED_ORIGINS; Origin: null
 * (sandboxed frames, file:// pages, cross-site redirects); or, without Origin,
 * Sec-Fetch-Site: cross-site. Reads are let through: the page cannot see their answers
 * (no CORS headers are sent), and links and images must keep working.
 */
export function refuseCrossSiteWrites(settings: Settings): RequestHandler {
  const allowed = new Set(settings.ALLOWED_ORIGINS);
  const publicOrigin = originOf(settings.PUBLIC_URL);
  if (publicOrigin) allowed.add(publicOrigin);

  return (req, _res, next) => {
    if (READ_METHODS.has(req.method)) return next();
    const header = req.headers.origin;
    if (header === undefined) {
      if (req.headers['sec-fetch-site'] !== 'cross-site') return next();
      return next(refusal(req, 'a page on another site (Sec-Fetch-Site: cross-site)', undefined));
    }
    const origin = header === 'null' ? undefined : originOf(header);
    if (origin !== undefined && (origin === ownOrigin(req) || allowed.has(origin))) return next();
    const who = origin ? `a page on ${origin}` : header === 'null' ? 'a page without an origin (Origin: null: a sandboxed frame, a file:// page or a redirect)' : `a page with Origin ${JSON.stringify(header)}`;
    next(refusal(req, who, origin));
  };
}

function refusal(req: Request, who: string, origin: string | undefined): AppError {
  const fix = origin
    ? `If that page is yours, add its origin to ALLOWED_ORIGINS (ALLOWED_ORIGINS=${origin}).`
    : 'Send it from a page served by this server, or from a script (requests without Origin are not checked).';
  return new AppError('cross_site_request', `Refused ${req.method} ${req.path} from ${who}: pages on other sites may not change data here. ${fix}`);
}
