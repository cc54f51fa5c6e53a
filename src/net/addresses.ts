// Which IP addresses an outbound fetch (URL import, export of remote images and audio) may
// connect to. A server that fetches whatever URL a client names can otherwise be made to
// read its own API, its neighbours on the private network or a cloud metadata service
// (169.254.169.254) and hand the answer back (SSRF). Only addresses that are routable on
// the public internet are allowed by default; FETCH_ALLOW lists hosts and ranges that are
// allowed anyway (an intranet file server, a test server on 127.0.0.1).
import { isIP } from 'node:net';

/** An address as its bytes: 4 for IPv4, 16 for IPv6. */
export type IpBytes = Uint8Array;

/** The bytes of an IPv4 or IPv6 address in text (a zone, "%eth0", is dropped); undefined when it is not one. */
export function parseIp(text: string): IpBytes | undefined {
  const plain = text.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const version = isIP(plain);
  if (version === 4) return Uint8Array.from(plain.split('.').map(Number));
  if (version !== 6) return undefined;
  // A trailing dotted quad (::ffff:1.2.3.4) becomes its two 16-bit groups.
  let v6 = plain;
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(v6);
  if (quad) {
    const b = quad[1]!.split('.').map(Number);
    v6 = v6.slice(0, quad.index) + `${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const [head, tail] = v6.split('::') as [string, string | undefined];
  const groups = (s: string | undefined) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const h = groups(head);
  const t = groups(tail);
  const all = tail === undefined ? h : [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/** The text of an address's bytes; IPv6 compressed as RFC 5952 says (longest run of zero groups as ::). */
export function formatIp(bytes: IpBytes): string {
  if (bytes.length === 4) return bytes.join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; i++) {
    let len = 0;
    while (i + len < 8 && groups[i + len] === 0) len++;
    if (len > bestLen) [best, bestLen] = [i, len];
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  return best < 0 ? hex(groups) : `${hex(groups.slice(0, best))}::${hex(groups.slice(best + bestLen))}`;
}

/** A range of addresses, "10.0.0.0/8"; a single address is a range of its full length. */
export interface Cidr {
  readonly bytes: IpBytes;
  readonly bits: number;
}

export function parseCidr(text: string): Cidr | undefined {
  const [addr, len, extra] = text.split('/');
  if (extra !== undefined) return undefined;
  const bytes = parseIp(addr!);
  if (!bytes) return undefined;
  const max = bytes.length * 8;
  if (len === undefined) return { bytes, bits: max };
  if (!/^\d{1,3}$/.test(len) || Number(len) > max) return undefined;
  return { bytes, bits: Number(len) };
}

export function inCidr(bytes: IpBytes, range: Cidr): boolean {
  if (bytes.length !== range.bytes.length) return false;
  let bits = range.bits;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((bytes[i]! & mask) !== (range.bytes[i]! & mask)) return false;
  }
  return true;
}

const cidr = (text: string): Cidr => parseCidr(text)!;

/** Why an address is not on the public internet: "loopback", "private" ... */
export type AddressKind =
  | 'loopback'
  | 'private'
  | 'shared (carrier-grade NAT)'
  | 'link-local'
  | 'site-local'
  | 'unique-local'
  | 'unspecified'
  | 'multicast'
  | 'broadcast'
  | 'documentation'
  | 'benchmarking'
  | 'reserved';

/** IPv4 special-purpose ranges (IANA registry, RFC 6890 and successors); the first match names the kind. */
const V4_RANGES: readonly (readonly [Cidr, AddressKind])[] = [
  // 0.0.0.0 is "this host": connecting to it reaches the server itself on Linux.
  [cidr('0.0.0.0/8'), 'unspecified'],
  [cidr('10.0.0.0/8'), 'private'],
  [cidr('100.64.0.0/10'), 'shared (carrier-grade NAT)'],
  [cidr('127.0.0.0/8'), 'loopback'],
  // Cloud metadata services (169.254.169.254) live here.
  [cidr('169.254.0.0/16'), 'link-local'],
  [cidr('172.16.0.0/12'), 'private'],
  [cidr('192.0.0.0/24'), 'reserved'],
  [cidr('192.0.2.0/24'), 'documentation'],
  [cidr('192.88.99.0/24'), 'reserved'],
  [cidr('192.168.0.0/16'), 'private'],
  [cidr('198.18.0.0/15'), 'benchmarking'],
  [cidr('198.51.100.0/24'), 'documentation'],
  [cidr('203.0.113.0/24'), 'documentation'],
  [cidr('224.0.0.0/4'), 'multicast'],
  [cidr('255.255.255.255/32'), 'broadcast'],
  [cidr('240.0.0.0/4'), 'reserved'],
];

/**
 * IPv6 ranges that carry an IPv4 address, and where it sits: such an address is judged by
 * the IPv4 address inside (::ffff:127.0.0.1 reaches 127.0.0.1 on a dual-stack socket; a
 * NAT64 gateway forwards 64:ff9b::a00:1 to 10.0.0.1).
 */
const V6_EMBEDDING: readonly (readonly [Cidr, number, string])[] = [
  [cidr('::ffff:0:0/96'), 12, 'IPv4-mapped'],
  [cidr('::ffff:0:0:0/96'), 12, 'IPv4-translated'],
  [cidr('64:ff9b::/96'), 12, 'NAT64'],
  [cidr('2002::/16'), 2, '6to4'],
];

/** IPv4-compatible (deprecated, ::a.b.c.d): judged by the address inside, and never public. */
const V6_COMPATIBLE = cidr('::/96');

/** Checked before the embeddings: ::1 and :: are in ::/96 too. */
const V6_FIRST: readonly (readonly [Cidr, AddressKind])[] = [
  [cidr('::/128'), 'unspecified'],
  [cidr('::1/128'), 'loopback'],
];

const V6_RANGES: readonly (readonly [Cidr, AddressKind])[] = [
  [cidr('64:ff9b:1::/48'), 'private'],
  [cidr('100::/64'), 'reserved'],
  [cidr('2001:db8::/32'), 'documentation'],
  // IETF protocol assignments, Teredo among them (which tunnels to an IPv4 address).
  [cidr('2001::/23'), 'reserved'],
  [cidr('3fff::/20'), 'documentation'],
  [cidr('5f00::/16'), 'reserved'],
  [cidr('fc00::/7'), 'unique-local'],
  [cidr('fe80::/10'), 'link-local'],
  [cidr('fec0::/10'), 'site-local'],
  [cidr('ff00::/8'), 'multicast'],
];

/** Global unicast: every public IPv6 address is in it. */
const V6_GLOBAL = cidr('2000::/3');

export interface AddressVerdict {
  kind: AddressKind;
  /** The IPv4 address inside an IPv6 one, when that is what was judged ("IPv4-mapped 127.0.0.1"). */
  via?: string;
}

/**
 * Why an address may not be fetched from by default, or undefined when it is a public one.
 * Unparsable text is refused as reserved.
 */
export function classifyAddress(address: string | IpBytes): AddressVerdict | undefined {
  const bytes = typeof address === 'string' ? parseIp(address) : address;
  if (!bytes) return { kind: 'reserved' };
  if (bytes.length === 4) {
    const hit = V4_RANGES.find(([range]) => inCidr(bytes, range));
    return hit ? { kind: hit[1] } : undefined;
  }
  const first = V6_FIRST.find(([range]) => inCidr(bytes, range));
  if (first) return { kind: first[1] };
  if (inCidr(bytes, V6_COMPATIBLE)) {
    const v4 = bytes.slice(12);
    return { kind: classifyAddress(v4)?.kind ?? 'reserved', via: `IPv4-compatible ${formatIp(v4)}` };
  }
  for (const [range, at, how] of V6_EMBEDDING) {
    if (!inCidr(bytes, range)) continue;
    const v4 = bytes.slice(at, at + 4);
    const inner = classifyAddress(v4);
    return inner ? { kind: inner.kind, via: `${how} ${formatIp(v4)}` } : undefined;
  }
  const hit = V6_RANGES.find(([range]) => inCidr(bytes, range));
  if (hit) return { kind: hit[1] };
  return inCidr(bytes, V6_GLOBAL) ? undefined : { kind: 'reserved' };
}

/** The IPv4 address an IPv4-mapped IPv6 address reaches, else the address itself. */
export function unmapped(bytes: IpBytes): IpBytes {
  return bytes.length === 16 && inCidr(bytes, V6_EMBEDDING[0]![0]) ? bytes.slice(12) : bytes;
}

/**
 * FETCH_ALLOW: host names and addresses or ranges that may be fetched from although they
 * are not public. A host name allows whatever it resolves to; an address or range allows
 * connections to it under any name.
 */
export interface AllowList {
  readonly hosts: ReadonlySet<string>;
  readonly ranges: readonly Cidr[];
}

/** A host name as the allow list compares it: lower case, no trailing dot, no IPv6 brackets. */
export const hostKey = (host: string) => host.toLowerCase().replace(/\.$/, '').replace(/^\[|\]$/g, '');

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/** Parses "127.0.0.1, 10.0.0.0/8, files.internal"; throws naming the first entry that is none of those. */
export function parseAllowList(text: string): AllowList {
  const hosts = new Set<string>();
  const ranges: Cidr[] = [];
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (!entry) continue;
    const range = parseCidr(entry);
    if (range) ranges.push(range);
    else if (!entry.includes('/') && HOST_NAME.test(hostKey(entry))) hosts.add(hostKey(entry));
    else throw new Error(`${JSON.stringify(entry)} is not a host name, an IP address or a CIDR range (10.0.0.0/8)`);
  }
  return Object.freeze({ hosts, ranges: Object.freeze(ranges) });
}

export const ALLOW_NOTHING: AllowList = parseAllowList('');

/** Whether the allow list lets `address` be connected to (under the host name `host`). */
export function isAllowed(allow: AllowList, host: string, address: IpBytes): boolean {
  if (allow.hosts.has(hostKey(host))) return true;
  const target = unmapped(address);
  return allow.ranges.some((range) => inCidr(target, range) || inCidr(address, range));
}
