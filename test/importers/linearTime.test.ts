// Inputs that made a parser quadratic, each sized so the old code took several seconds
// (measured: 3.5 s, 7.4 s, 9.7 s and 8.9 s for the unit cases); the bounds are loose, the point is the
// order of growth. The TXT splitter's results across chunk cuts are checked too, since
// it now keeps the unfinished line in pieces and a "\r" may end one chunk.
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { headerKeys } from '../../src/importers/csv.ts';
import { minifyHtml } from '../../src/importers/html.ts';
import { LineSplitter } from '../../src/importers/txt.ts';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { CONFIGS, setConfig, storedTasks } from './support.ts';

function msOf(run: () => void): number {
  const start = performance.now();
  run();
  return performance.now() - start;
}

function split(chunks: string[]): string[] {
  const lines: string[] = [];
  const s = new LineSplitter((l) => lines.push(l));
  for (const c of chunks) s.push(c);
  s.end();
  return lines;
}

describe('TXT: one long line', () => {
  it('an 8 MB line arriving in 8 KB chunks is split in well under a second', () => {
    const chunk = 'a'.repeat(8 * 1024);
    let lines: string[] = [];
    const ms = msOf(() => (lines = split(Array.from({ length: 1024 }, () => chunk))));
    expect(lines).toHaveLength(1);
    expect(lines[0]!.length).toBe(8 * 1024 * 1024);
    expect(ms).toBeLessThan(1000);
  });

  it.each([
    { name: '"\\r" ends a chunk, "\\n" starts the next', chunks: ['a\r', '\nb'], lines: ['a', 'b'] },
    { name: '"\\r" ends a chunk, text follows', chunks: ['a\r', 'b'], lines: ['a', 'b'] },
    { name: 'an empty chunk between "\\r" and "\\n"', chunks: ['a\r', '', '\nb'], lines: ['a', 'b'] },
    { name: '"\\r" then "\\r\\n" across chunks: one empty line', chunks: ['a\r', '\r\nb'], lines: ['a', '', 'b'] },
    { name: 'a final "\\r" adds no line', chunks: ['a', 'b\r'], lines: ['ab'] },
    { name: 'a line in many pieces', chunks: ['ab', 'cd', 'ef\ngh', 'ij'], lines: ['abcdef', 'ghij'] },
    { name: 'a "\\n" after a "\\r" further back is a line end of its own', chunks: ['a\rb', '\nc'], lines: ['a', 'b', 'c'] },
  ])('$name', ({ chunks, lines }) => expect(split(chunks)).toEqual(lines));

  it('cutting a mixed text into chunks of any size gives the same lines', () => {
    const text = 'one\r\ntwo\rthree\n\r\n\rfour\r\n\nfive\r';
    const lines = ['one', 'two', 'three', '', '', 'four', '', 'five'];
    for (let size = 1; size <= text.length; size++) {
      const chunks: string[] = [];
      for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
      expect(split(chunks), `chunks of ${size}`).toEqual(lines);
    }
  });
});

describe('HTML: unclosed verbatim blocks', () => {
  it('100,000 unclosed "<pre>" tags are minified in well under a second; the block runs to the end', () => {
    const html = '<p>a   b</p>  ' + '<pre>'.repeat(100_000);
    let out = '';
    const ms = msOf(() => (out = minifyHtml(html)));
    expect(out).toBe('<p>a b</p>' + '<pre>'.repeat(100_000));
    expect(ms).toBeLessThan(1000);
  });

  it('50,000 openers without any ">" are plain text, minified in well under a second', () => {
    const html = '<style x'.repeat(50_000);
    let out = '';
    const ms = msOf(() => (out = minifyHtml(html)));
    expect(out).toBe(html);
    expect(ms).toBeLessThan(1000);
  });

  it.each([
    ['<div>  <script>a  b</script>  <p>c   d</p></div>', '<div><script>a  b</script><p>c d</p></div>'],
    ['<PRE class="x">  a  </Pre >  <b> c </b>', '<PRE class="x">  a  </Pre ><b> c </b>'],
    ['<p>x</p>  <textarea>  t  ', '<p>x</p><textarea>  t'],
    ['<pre>a</pre> <style>s  </style>', '<pre>a</pre><style>s  </style>'],
    ['<prefix>  a   b  </prefix>', '<prefix> a b </prefix>'],
  ])('%j → %j', (html, min) => expect(minifyHtml(html)).toBe(min));
});

describe('CSV: a header of repeated names', () => {
  it('20,000 equal names get their suffixes in well under a second', () => {
    let keys: string[] = [];
    const ms = msOf(() => (keys = headerKeys(Array.from({ length: 20_000 }, () => 'x'))));
    expect(keys.slice(0, 3)).toEqual(['x', 'x.1', 'x.2']);
    expect(keys[19_999]).toBe('x.19999');
    expect(new Set(keys).size).toBe(20_000);
    expect(ms).toBeLessThan(1000);
  });

  it('names that collide with generated ones still get unique keys, as pandas names them', () => {
    expect(headerKeys(['x', 'x.1', 'x', 'x', 'x.1'])).toEqual(['x', 'x.1', 'x.2', 'x.3', 'x.1.1']);
    expect(headerKeys(['', 'Unnamed: 0', ''])).toEqual(['Unnamed: 0', 'Unnamed: 0.1', 'Unnamed: 2']);
  });
});

describe('through the import route', () => {
  let t: TestApp;
  beforeEach(async () => {
    // Wide enough for the 20,000-column CSV below (MAX_DATA_KEYS is 1,000 by default).
    t = await makeTestApp({ MAX_DATA_KEYS: '30000' });
    await setConfig(t, CONFIGS.text);
  });
  afterEach(async () => {
    await t.close();
  });

  it('a TXT file of one 32 MB line becomes one task quickly', async () => {
    const size = 32 * 1024 * 1024;
    const start = performance.now();
    const res = await request(t.app).post('/api/project/import').attach('file', Buffer.alloc(size, 'a'), 'a.txt');
    expect(res.status, res.text).toBe(201);
    expect(performance.now() - start).toBeLessThan(3000); // about 10 s before
    expect(((await storedTasks(t))[0]!.data.text as string).length).toBe(size);
  });

  it('a CSV whose header repeats one name 20,000 times is answered quickly', async () => {
    const csv = `text,${'x,'.repeat(19_999)}x\nhello,${'1,'.repeat(19_999)}1\n`;
    const start = performance.now();
    const res = await request(t.app).post('/api/project/import').attach('file', Buffer.from(csv), 'a.csv');
    expect(res.status, res.text).toBe(201);
    expect(performance.now() - start).toBeLessThan(2000);
    expect((await storedTasks(t))[0]!.data['x.19999']).toBe(1);
  });
});
