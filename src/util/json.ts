// JSON helpers: writing in the styles Label Studio 0.8 used, so folders stay interchangeable,
// and the nesting limit of the JSON we read.

/** A deep copy with object keys sorted at every level (Python's sort_keys=True). */
export function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value && typeof value === 'object') {
    // fromEntries defines own properties: a "__proto__" key from JSON stays a key, where
    // out[k] = v would set the prototype instead.
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeysDeep((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** Replaces every non-ASCII character with \uXXXX, as Python's ensure_ascii does. */
export function escapeNonAscii(text: string): string {
  return text.replace(/[\u0080-\uffff]/g, (ch) => '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0'));
}

/** completions/<id>.json: 2-space indent, sorted keys, non-ASCII escaped, no final newline. */
export function completionFileText(file: unknown): string {
  return escapeNonAscii(JSON.stringify(sortKeysDeep(file), null, 2));
}

/**
 * Deepest nesting of arrays and objects a JSON body may have. Real tasks and completions
 * nest a few levels; a body nested thousands deep makes JSON.stringify and every
 * recursive copy overflow the stack after the request was accepted.
 */
export const MAX_JSON_DEPTH = 100;

/** Whether value nests deeper than max (iterative: recursion would overflow on such input). */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  const stack: [object, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (depth > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}
