// Where a cloud storage may connect. A storage's endpoint_url is set by whoever may change
// the project's settings, so it gets the SSRF rules of URL imports (net/): public addresses
// only, unless CLOUD_STORAGE_ALLOW lets a host or range through (a MinIO on 127.0.0.1).
// S3 connections resolve through guardedLookup (checked after DNS, on every connection);
// an endpoint that is an IP literal never reaches a lookup, so it is checked here first.
import { lookup as dnsLookup } from 'node:dns';
import dns from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { classifyAddress, isAllowed, parseIp, type AllowList } from '../net/addresses.ts';
import { guardedLookup } from '../net/outbound.ts';

/** A refused endpoint: the message says which and how to allow it. */
export class EndpointRefused extends Error {
  override name = 'EndpointRefused';
}

function refusal(url: URL, address: string, kind: string): EndpointRefused {
  return new EndpointRefused(`Refused to connect to ${url.origin}: ${url.hostname === address ? address : `${url.hostname} resolves to ${address}`}, a ${kind} address; set CLOUD_STORAGE_ALLOW=${url.hostname.replace(/^\[|\]$/g, '')} to allow it`);
}

/** Throws EndpointRefused for an endpoint whose host is an IP literal that may not be used. */
export function checkEndpointLiteral(endpoint: string, allow: AllowList): void {
  const url = new URL(endpoint);
  const bytes = parseIp(url.hostname);
  if (!bytes || isAllowed(allow, url.hostname, bytes)) return;
  const verdict = classifyAddress(bytes);
  if (verdict) throw refusal(url, url.hostname.replace(/^\[|\]$/g, ''), verdict.kind);
}

/**
 * Resolves the endpoint's host now and refuses it when an address is not allowed. Used for
 * GCS, whose client offers no per-connection lookup: checked when the storage is set up
 * and before each sync, not on every connection (a name that changes its answer between
 * the two is not caught; S3's connections are checked one by one).
 */
export async function checkEndpointResolved(endpoint: string, allow: AllowList): Promise<void> {
  checkEndpointLiteral(endpoint, allow);
  const url = new URL(endpoint);
  if (parseIp(url.hostname)) return;
  for (const { address } of await dns.lookup(url.hostname, { all: true })) {
    const bytes = parseIp(address);
    if (bytes && isAllowed(allow, url.hostname, bytes)) continue;
    const verdict = classifyAddress(bytes ?? address);
    if (verdict) throw refusal(url, address, verdict.kind);
  }
}

/** Keep-alive agents whose every connection goes through the address check. */
export function guardedAgents(allow: AllowList): { httpAgent: http.Agent; httpsAgent: https.Agent } {
  const lookup = guardedLookup(
    (host, options, callback) => dnsLookup(host, options, callback),
    allow,
    (host, verdict) => new EndpointRefused(`Refused to connect to ${host}: it resolves to a ${verdict.kind} address; set CLOUD_STORAGE_ALLOW=${host} to allow it`),
  );
  return { httpAgent: new http.Agent({ keepAlive: true, lookup }), httpsAgent: new https.Agent({ keepAlive: true, lookup }) };
}
