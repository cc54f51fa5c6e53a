import { describe, expect, it } from 'vitest';
import { completionFileText, escapeNonAscii, sortKeysDeep } from '../../src/util/json.ts';

describe('0.8 JSON style', () => {
  it('sorts keys at every level', () => {
    expect(JSON.stringify(sortKeysDeep({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } }))).toBe('{"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}');
  });

  it('keeps a "__proto__" key from JSON as a key', () => {
    const parsed = JSON.parse('{"text": "a", "__proto__": {"polluted": true}}');
    const sorted = sortKeysDeep(parsed) as Record<string, unknown>;
    expect(Object.keys(sorted)).toEqual(['__proto__', 'text']);
    expect(JSON.parse(JSON.stringify(sorted))).toEqual(parsed);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('escapes non-ASCII as Python does', () => {
    expect(escapeNonAscii('café ☃')).toBe('caf\\u00e9 \\u2603');
    expect(completionFileText({ id: 1, data: { text: 'é' } })).toBe('{\n  "data": {\n    "text": "\\u00e9"\n  },\n  "id": 1\n}');
  });
});
