import { describe, expect, it } from 'vitest';
import { SortedList } from '../src/util/sortedList.ts';

describe('SortedList', () => {
  it('keeps order through adds and deletes across chunks', () => {
    const list = new SortedList<number>((a, b) => a - b);
    const values = Array.from({ length: 5000 }, (_, i) => (i * 7919) % 5000);
    for (const v of values) list.add(v);
    for (let v = 0; v < 5000; v += 3) expect(list.delete(v)).toBe(true);
    expect(list.delete(3)).toBe(false);
    const expected = Array.from({ length: 5000 }, (_, i) => i).filter((v) => v % 3 !== 0);
    expect([...list.iterate()]).toEqual(expected);
    expect(list.size).toBe(expected.length);
    expect(list.at(100)).toBe(expected[100]);
    expect(list.slice(10, 5, true)).toEqual(expected.slice().reverse().slice(10, 15));
    expect(list.has(4)).toBe(true);
    expect(list.has(6)).toBe(false);
  });
});
