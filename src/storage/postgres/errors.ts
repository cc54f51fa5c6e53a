// How the PostgreSQL engine names its database and reports it gone. Messages name STORE_URL
// (the setting an operator has to look at) and the database without its password.
import { AppError } from '../../errors.ts';

/** A STORE_URL that is not a PostgreSQL URL: a setting to fix, not an outage. */
export class StoreUrlError extends Error {}

/** postgres://user@host:port/database, without the password (for messages and logs). */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    const user = u.username ? `${decodeURIComponent(u.username)}@` : '';
    const host = u.host || (u.searchParams.get('host') ?? '');
    return `${u.protocol}//${user}${host}${u.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}

/** Checks the form of STORE_URL before anything connects; throws StoreUrlError. */
export function checkStoreUrl(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new StoreUrlError('STORE_URL is not a URL: expected postgres://user:password@host:port/database');
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new StoreUrlError(`STORE_URL must start with postgres:// (got ${u.protocol}//...): expected postgres://user:password@host:port/database`);
  }
  if (!u.host && !u.searchParams.get('host')) {
    throw new StoreUrlError('STORE_URL names no host: expected postgres://user:password@host:port/database');
  }
  if (u.pathname.length <= 1) {
    throw new StoreUrlError(`STORE_URL names no database (${describeUrl(url)}): expected postgres://user:password@host:port/database`);
  }
}

/** Errno codes of a connection that cannot be made or was lost. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ECONNABORTED', 'ENOENT']);

/** Messages node-postgres gives for a connection lost or never made, and for timeouts. */
const CONNECTION_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /^Query read timeout/,
  /not queryable/,
  /^Client was closed and is not queryable/,
  /^Cannot use a pool after calling end/,
];

/**
 * SQLSTATEs that mean the database cannot serve now: connection exceptions (08), shut down
 * or starting (57P01-57P03), too many connections or out of resources (53), a statement
 * or lock that ran out of time (57014, 55P03), a system error (58). Anything else from the
 * database (a constraint, bad SQL) is a bug and stays a 500.
 */
function isUnavailableSqlState(code: string): boolean {
  return code.startsWith('08') || code.startsWith('53') || code.startsWith('58') || code === '57P01' || code === '57P02' || code === '57P03' || code === '57014' || code === '55P03' || code === '3D000' || code === '28P01' || code === '28000';
}

export function isUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code) && isUnavailableSqlState(code)) return true;
  }
  if (CONNECTION_MESSAGES.some((re) => re.test(err.message))) return true;
  const cause = (err as { cause?: unknown }).cause;
  return cause !== undefined && cause !== err && isUnavailable(cause);
}

/** The 503 for a database that is down, unreachable or too slow, naming STORE_URL. */
export function unavailable(err: Error, url: string): AppError {
  return new AppError('storage_unavailable', `The database at STORE_URL (${describeUrl(url)}) cannot be used: ${reason(err)}. Retry later.`);
}

function reason(err: Error): string {
  const code = (err as { code?: unknown }).code;
  const msg = err.message || String(code ?? 'unknown error');
  return typeof code === 'string' && !msg.includes(code) ? `${msg} (${code})` : msg;
}

/** An error of a database call as the caller sees it: unavailability becomes the 503, the rest is unchanged. */
export function asStoreError(err: unknown, url: string): unknown {
  if (err instanceof AppError) return err;
  return isUnavailable(err) ? unavailable(err as Error, url) : err;
}
