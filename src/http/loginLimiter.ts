// Failed Basic-auth logins per client address, in a sliding window: past the limit the
// address gets 429 until its oldest failure in the window is older than the window, so
// guessing a password costs time. Kept in memory per process; the map of addresses is
// bounded, so an attacker with many addresses cannot grow it without end.
import { isIP } from 'node:net';

export interface LoginLimiterOptions {
  /** Failures within the window that block the address. */
  maxFailures: number;
  windowMs: number;
  /** Addresses remembered at most; the one whose last failure is oldest goes first. */
  maxClients?: number;
  now?: () => number;
}

export const DEFAULT_MAX_CLIENTS = 10_000;

export class LoginLimiter {
  /** Address → times of its recent failures, oldest first; ordered by last failure. */
  private readonly failures = new Map<string, number[]>();
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly maxClients: number;
  private readonly now: () => number;

  constructor(options: LoginLimiterOptions) {
    this.maxFailures = options.maxFailures;
    this.windowMs = options.windowMs;
    this.maxClients = options.maxClients ?? DEFAULT_MAX_CLIENTS;
    this.now = options.now ?? Date.now;
  }

  /** Whole seconds until the client may try again; 0 when it may now. */
  retryAfter(client: string): number {
    const times = this.recent(client);
    if (times.length < this.maxFailures) return 0;
    const freeAt = times[times.length - this.maxFailures]! + this.windowMs;
    return Math.max(1, Math.ceil((freeAt - this.now()) / 1000));
  }

  recordFailure(client: string): void {
    const times = this.recent(client);
    times.push(this.now());
    // Only the last maxFailures matter to retryAfter.
    if (times.length > this.maxFailures) times.splice(0, times.length - this.maxFailures);
    this.failures.delete(client); // re-inserted last: the map stays ordered by last failure
    this.failures.set(client, times);
    while (this.failures.size > this.maxClients) this.failures.delete(this.failures.keys().next().value!);
  }

  /** Addresses remembered (for tests and logs). */
  get size(): number {
    return this.failures.size;
  }

  /** The client's failures still inside the window; forgets the client when none are. */
  private recent(client: string): number[] {
    const times = this.failures.get(client);
    if (!times) return [];
    const since = this.now() - this.windowMs;
    while (times.length && times[0]! <= since) times.shift();
    if (!times.length) this.failures.delete(client);
    return times;
  }
}

/**
 * The key a client address is counted under: an IPv4 address as it is (also when written
 * as ::ffff:a.b.c.d), an IPv6 address by its /64 network, which one subscriber usually
 * holds whole (counting each of its 2^64 addresses apart would count nothing).
 */
export function clientKey(address: string | undefined): string {
  if (!address) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (isIP(address) !== 6) return address;
  return `${expandIPv6(address).slice(0, 4).join(':')}::/64`;
}

/** The eight groups of an IPv6 address (zone id dropped), "::" filled with zeros. */
function expandIPv6(address: string): string[] {
  const [head = '', tail] = address.split('%')[0]!.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  // An embedded IPv4 tail (::ffff:0:1.2.3.4 and the like) takes two groups.
  const last = right.length ? right : left;
  if (last.length && last[last.length - 1]!.includes('.')) last.splice(-1, 1, '0', '0');
  const zeros = tail === undefined ? [] : Array.from({ length: 8 - left.length - right.length }, () => '0');
  return [...left, ...zeros, ...right].map((g) => g.replace(/^0+(?=.)/, ''));
}
