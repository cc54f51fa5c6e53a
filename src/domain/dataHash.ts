// Equal task data, equal hash: what ?dedupe=1 compares (the engines keep the hash of every
// stored task's data, so an import asks them which of its hashes are there already).
import { createHash } from 'node:crypto';
import type { JsonObject } from './types.ts';

/** JSON with object keys sorted at every level: equal data, equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (value && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    const obj = value as Record<string, unknown>;
    return `{${keys
      .filter((k) => obj[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const hashes = new WeakMap<JsonObject, string>();

export function dataHash(data: JsonObject): string {
  let h = hashes.get(data);
  if (h === undefined) {
    h = createHash('sha256').update(canonicalJson(data)).digest('base64');
    hashes.set(data, h);
  }
  return h;
}
