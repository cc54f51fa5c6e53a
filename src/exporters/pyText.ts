// Text the way the Python reference printed it, where that is part of the format:
// json.dumps with its default ", " / ": " separators and ensure_ascii (CSV cells, the ASR
// manifest, COCO), and Python's repr of floats (1e-07, not 1e-7). Numbers that are
// integers in JavaScript are printed as integers: after JSON.parse nobody can tell 40.0
// from 40 (export.md §15). One difference on purpose: Python wrote infinities and NaN as
// Infinity and NaN, which no JSON parser reads; we write null, as JSON.stringify does.

/** Python's repr of a float: shortest round-trip digits, exponent form below 1e-4 and from 1e16; null if not finite. */
export function pyFloat(x: number): string {
  if (!Number.isFinite(x)) return 'null';
  const [mantissa, exp] = x.toExponential().split('e') as [string, string];
  const e = Number(exp);
  if (e >= -4 && e < 16) {
    const s = String(x);
    return Number.isInteger(x) ? `${s}.0` : s;
  }
  return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}

/** A JSON number as Python prints what json.loads made of it: integers whole, other numbers as floats. */
export function pyNumber(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return String(x);
  return pyFloat(x);
}

/** Escapes what json.dumps(ensure_ascii=True) escapes beyond JSON.stringify: DEL and every non-ASCII code unit. */
export function asciiOnly(json: string): string {
  return json.replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/** A number Python holds as a float: printed with its ".0" when integral (COCO polygons, durations). */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** Python's json.dumps(value) (default separators, ensure_ascii). */
export function pyJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof PyFloat) return pyFloat(value.value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return pyNumber(value);
  if (typeof value === 'string') return asciiOnly(JSON.stringify(value));
  if (Array.isArray(value)) return '[' + value.map(pyJson).join(', ') + ']';
  if (typeof value === 'object') {
    return '{' + Object.entries(value).map(([k, v]) => `${asciiOnly(JSON.stringify(k))}: ${pyJson(v)}`).join(', ') + '}';
  }
  return 'null';
}

/** json.dumps(value, indent=2) with ensure_ascii ("," and ": " separators, as JSON.stringify(v, null, 2) lays out). */
export function pyJsonIndented(value: unknown, indent = ''): string {
  if (value instanceof PyFloat || value === null || typeof value !== 'object') return pyJson(value);
  const inner = indent + '  ';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return '[\n' + value.map((v) => inner + pyJsonIndented(v, inner)).join(',\n') + '\n' + indent + ']';
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return '{}';
  return '{\n' + entries.map(([k, v]) => `${inner}${asciiOnly(JSON.stringify(k))}: ${pyJsonIndented(v, inner)}`).join(',\n') + '\n' + indent + '}';
}
