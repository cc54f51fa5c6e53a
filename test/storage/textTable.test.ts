// TextTable: texts by id in large Buffers (the folder engine keeps tasks and completion files so).
import { describe, expect, it } from 'vitest';
import { TextTable } from '../../src/storage/folder/textTable.ts';

const joined = (t: TextTable) => Buffer.concat(t.ranges().map((r) => r.chunk.subarray(r.start, r.end))).toString('utf8');

describe('TextTable', () => {
  it('keeps, replaces and deletes texts by id, UTF-8 whole', () => {
    const t = new TextTable();
    t.put(2, 'two');
    t.put(0, 'zéro');
    t.put(1, 'one');
    expect([t.size, t.text(0), t.text(1), t.text(2), t.text(3)]).toEqual([3, 'zéro', 'one', 'two', undefined]);
    expect(t.text(0, 1, 1)).toBe('ér');
    t.put(1, 'ONE!');
    t.delete(2);
    t.delete(7);
    expect([t.size, t.has(2), t.text(1), [...t.ids()]]).toEqual([2, false, 'ONE!', [0, 1]]);
  });

  it('gives every text in id order as few runs as it can, and the runs stay as they were', () => {
    const t = new TextTable();
    for (let id = 0; id < 1000; id++) t.put(id, `<${id}>`);
    expect(t.ranges()).toHaveLength(1);
    const before = t.ranges();
    t.put(500, '<changed>');
    expect(t.ranges()).toHaveLength(3);
    expect(joined(t)).toContain('<499><changed><501>');
    expect(Buffer.concat(before.map((r) => r.chunk.subarray(r.start, r.end))).toString()).toContain('<499><500><501>');
  });

  it('takes bytes of a Buffer without copying them', () => {
    const t = new TextTable();
    const b = Buffer.from('aaa bbb ccc');
    t.putBytes(1, b, 0, 3);
    t.put(5, 'between');
    t.putBytes(2, b, 4, 7);
    t.putBytes(3, b, 8, 11);
    expect([t.text(1), t.text(2), t.text(3), t.text(5)]).toEqual(['aaa', 'bbb', 'ccc', 'between']);
    expect(t.ranges()[0]!.chunk).toBe(b);
  });

  it('keeps ids far apart or odd (beyond the dense array) beside the dense ones', () => {
    const t = new TextTable();
    const ids = [3, 2 ** 40, 1_000_000_007, 0, 2 ** 40 + 1, 1.5, -4];
    for (const id of ids) t.put(id, `#${id}`);
    for (const id of ids) expect(t.text(id)).toBe(`#${id}`);
    expect(t.size).toBe(ids.length);
    // Many ids after an odd one make the dense array long enough for it; it moves there.
    for (let id = 4; id < 3000; id++) t.put(id, `#${id}`);
    expect(t.text(1.5)).toBe('#1.5');
    expect(t.text(2 ** 40)).toBe(`#${2 ** 40}`);
    t.delete(1_000_000_007);
    expect(t.has(1_000_000_007)).toBe(false);
    expect([...t.ids()].slice(0, 3)).toEqual([0, 3, 4]);
  });

  it('compacts: the live texts move to fresh Buffers, the dead bytes go', () => {
    const t = new TextTable();
    const big = 'x'.repeat(1000);
    for (let round = 0; round < 80; round++) for (let id = 0; id < 1000; id++) t.put(id, `${round}:${id}:${big}`);
    expect(t.wasteful).toBe(true);
    t.compact();
    expect(t.wasteful).toBe(false);
    expect(t.text(999)).toBe(`79:999:${big}`);
    expect(t.ranges()).toHaveLength(1);
    t.put(1000, 'after');
    expect(t.text(1000)).toBe('after');
  });
});
