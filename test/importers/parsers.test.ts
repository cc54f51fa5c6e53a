// Unit tables for the pure parts of the importers: names, UTF-8 checking, line splitting,
// CSV typing, HTML minifying, the kind registry, archive member rules, canonical JSON.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectDelimited, headerKeys } from '../../src/importers/csv.ts';
import { canonicalJson } from '../../src/domain/dataHash.ts';
import { minifyHtml } from '../../src/importers/html.ts';
import { collectJson } from '../../src/importers/json.ts';
import { kindOf } from '../../src/importers/kinds.ts';
import { decisionName, extensionOf, sanitizeBaseName, uploadUrl } from '../../src/importers/names.ts';
import { LineSplitter } from '../../src/importers/txt.ts';
import { TaskCollector } from '../../src/importers/types.ts';
import { downloadName } from '../../src/importers/url.ts';
import { findUtf8Fault, utf8ErrorText, utf8Guard } from '../../src/importers/utf8.ts';
import { isSkippedMember } from '../../src/importers/zip.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ls-parsers-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
let files = 0;
async function tempFile(content: string | Buffer): Promise<string> {
  const path = join(dir, `f${++files}`);
  await writeFile(path, content);
  return path;
}

describe('names', () => {
  it.each([
    ['a.csv', '.csv'],
    ['A.CSV', '.CSV'],
    ['dir.v2/file', ''],
    ['x.zip/inner/t.tar.gz', '.gz'],
    ['.hidden', ''],
    ['noext', ''],
    ['C:\\Users\\me\\pic.JPG', '.JPG'],
  ])('extensionOf(%j) = %j', (name, ext) => expect(extensionOf(name)).toBe(ext));

  it.each([
    ['t.csv', 'file', 't.csv'],
    ['blob', 'u.csv', 'u.csv'],
    ['blob', 'file', 'blob'],
    ['', 'tasks.json', 'tasks.json'],
    [undefined, 'x', 'x'],
  ])('decisionName(%j, %j) = %j', (file, field, name) => expect(decisionName(file, field)).toBe(name));

  it.each([
    ['kittens.jpg', 'kittens.jpg'],
    ['../../etc/passwd', 'passwd'],
    ['..\\..\\win.ini', 'win.ini'],
    ['my photo (1).jpg', 'my_photo__1_.jpg'],
    ['.htaccess', 'htaccess'],
    ['...', 'file'],
    ['', 'file'],
    ['фото.png', 'фото.png'],
    ['a\u0000b;rm -rf.png', 'a_b_rm_-rf.png'],
    ['%2e%2e%2fx.png', '_2e_2e_2fx.png'],
    [`${'n'.repeat(300)}.jpeg`, `${'n'.repeat(115)}.jpeg`],
  ])('sanitizeBaseName(%j) = %j', (name, safe) => expect(sanitizeBaseName(name)).toBe(safe));

  it.each([
    ['', 'ab-c d.png', '/data/upload/ab-c%20d.png'],
    ['http://h:8080/', 'x.png', 'http://h:8080/data/upload/x.png'],
    ['https://h/base', 'фото.png', 'https://h/base/data/upload/%D1%84%D0%BE%D1%82%D0%BE.png'],
  ])('uploadUrl(%j, %j) = %j', (base, name, url) => expect(uploadUrl(base, name)).toBe(url));
});

describe('UTF-8', () => {
  it.each([
    [[0x61, 0xff], { pos: 1, byte: 0xff, reason: 'invalid start byte' }],
    [[0x80], { pos: 0, byte: 0x80, reason: 'invalid start byte' }],
    [[0xc0, 0x80], { pos: 0, byte: 0xc0, reason: 'invalid start byte' }],
    [[0xe2, 0x28, 0xa1], { pos: 0, byte: 0xe2, reason: 'invalid continuation byte' }],
    [[0xed, 0xa0, 0x80], { pos: 0, byte: 0xed, reason: 'invalid continuation byte' }],
    [[0x61, 0x62, 0xf0, 0x9f, 0x98], { pos: 2, byte: 0xf0, reason: 'unexpected end of data' }],
    [[0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80], undefined],
  ])('findUtf8Fault(%j)', (bytes, fault) => expect(findUtf8Fault(Uint8Array.from(bytes))).toEqual(fault));

  it('utf8ErrorText speaks like Python', () => {
    expect(utf8ErrorText({ pos: 7, byte: 0xa, reason: 'invalid start byte' })).toBe("'utf-8' codec can't decode byte 0x0a in position 7: invalid start byte");
  });

  const text = 'a€b😀c — ü\r\n';
  const run = async (chunks: Buffer[]) => {
    const out: Buffer[] = [];
    await pipeline(
      Readable.from(chunks),
      utf8Guard(),
      new Writable({
        write(c: Buffer, _e, done) {
          out.push(c);
          done();
        },
      }),
    );
    return out;
  };

  it('passes valid text through whole characters, however it is cut', async () => {
    const bytes = Buffer.from(text);
    for (let size = 1; size <= 5; size++) {
      const chunks = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      const out = await run(chunks);
      expect(Buffer.concat(out).equals(bytes)).toBe(true);
      // Every chunk decodes on its own: no character is split.
      expect(out.map((c) => c.toString('utf8')).join('')).toBe(text);
    }
  });

  it('reports the absolute position of a bad byte in a later chunk', async () => {
    const bytes = Buffer.concat([Buffer.from('0123456789'), Buffer.from([0xe2, 0x82]), Buffer.from('x')]);
    const chunks = [bytes.subarray(0, 11), bytes.subarray(11)];
    await expect(run(chunks)).rejects.toThrow("'utf-8' codec can't decode byte 0xe2 in position 10: invalid continuation byte");
    await expect(run([Buffer.from('ok'), Buffer.from([0xf0, 0x9f])])).rejects.toThrow("'utf-8' codec can't decode byte 0xf0 in position 2: unexpected end of data");
  });
});

describe('TXT lines', () => {
  const split = (chunks: string[]) => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l));
    for (const c of chunks) s.push(c);
    s.end();
    return lines;
  };

  it.each([
    ['one\ntwo\n', ['one', 'two']],
    ['one\ntwo', ['one', 'two']],
    ['a\r\nb\rc\n', ['a', 'b', 'c']],
    ['\n\n', ['', '']],
    ['x\n\r', ['x', '']],
    ['  spaced  \n', ['  spaced  ']],
    ['', []],
    ['\ufeffbom\n', ['\ufeffbom']],
  ])('%j → %j, however the text is cut', (text, lines) => {
    expect(split([text])).toEqual(lines);
    for (let i = 0; i <= text.length; i++) expect(split([text.slice(0, i), text.slice(i)]), `cut at ${i}`).toEqual(lines);
  });
});

describe('CSV', () => {
  it.each([
    [['a', 'b'], ['a', 'b']],
    [['x', 'x', 'x'], ['x', 'x.1', 'x.2']],
    [['', 'a', ''], ['Unnamed: 0', 'a', 'Unnamed: 2']],
    [['x', 'x.1', 'x'], ['x', 'x.1', 'x.2']],
  ])('headerKeys(%j) = %j', (cells, keys) => expect(headerKeys(cells)).toEqual(keys));

  it.each([
    { name: 'integers', csv: 'n\n1\n-2\n+3\n', values: [1, -2, 3] },
    { name: 'integers with a gap', csv: 'n,t\n1,a\n,b\n', values: [1, ''] },
    { name: 'decimals', csv: 'n\n1.5\n2\n1e3\n.5\n', values: [1.5, 2, 1000, 0.5] },
    { name: 'booleans in any case', csv: 'n\nTrue\nFALSE\ntrue\n', values: [true, false, true] },
    { name: 'booleans with NA', csv: 'n,t\nTrue,a\nNULL,b\n', values: [true, ''] },
    { name: 'mixed → text as written', csv: 'n\n007\nabc\n', values: ['007', 'abc'] },
    { name: 'leading zeros in a number column', csv: 'n\n007\n8\n', values: [7, 8] },
    { name: 'integers past 2^53 stay text', csv: 'n\n9007199254740993\n1\n', values: ['9007199254740993', '1'] },
    { name: 'NA tokens', csv: 'n,t\nNA,a\nN/A,b\nnan,c\n#N/A,d\n<NA>,e\n', values: ['', '', '', '', ''] },
    { name: '"None" is text (pandas 1.x)', csv: 'n\nNone\n', values: ['None'] },
    { name: 'all empty', csv: 'n,t\n,a\n,b\n', values: ['', ''] },
    { name: 'missing trailing cells', csv: 't,n\na\nb,2\n', values: ['', 2] },
    { name: 'BOM before the header', csv: '\ufeffn\n1\n', values: [1] },
    { name: 'CRLF', csv: 'n\r\n1\r\n2\r\n', values: [1, 2] },
  ])('$name', async ({ csv, values }) => {
    const collector = new TaskCollector(100);
    await collectDelimited(await tempFile(csv), { delimiter: ',', name: 'x.csv', maxColumns: 1000 }, collector);
    expect(collector.items.map((i) => (i as { data: Record<string, unknown> }).data.n)).toEqual(values);
  });

  it('a large file across many chunks: rows, quoted newlines and types intact', async () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => `"line ${i}\nwith ""quotes"", ü",${i}`);
    const collector = new TaskCollector(100_000);
    await collectDelimited(await tempFile(`text,n\n${rows.join('\n')}\n`), { delimiter: ',', name: 'big.csv', maxColumns: 1000 }, collector);
    expect(collector.count).toBe(20_000);
    expect(collector.items[12_345]).toEqual({ data: { text: 'line 12345\nwith "quotes", ü', n: 12_345 } });
  });

  it('the header may be as wide as maxColumns, delimiters in quotes not counted, and rows wider than it are not its concern', async () => {
    const collector = new TaskCollector(10);
    await collectDelimited(await tempFile('"a,b",n\n"x,y",1\n'), { delimiter: ',', name: 'x.csv', maxColumns: 2 }, collector);
    expect(collector.items).toEqual([{ data: { 'a,b': 'x,y', n: 1 } }]);
    const wide = collectDelimited(await tempFile('a,b,c\n1,2,3\n'), { delimiter: ',', name: 'x.csv', maxColumns: 2 }, new TaskCollector(10));
    await expect(wide).rejects.toThrow('the header has more than 2 columns; a task may have at most 2 data keys (MAX_DATA_KEYS)');
    const tsv = collectDelimited(await tempFile('a\tb\tc\n1\t2\t3\n'), { delimiter: '\t', name: 'x.tsv', maxColumns: 2 }, new TaskCollector(10));
    await expect(tsv).rejects.toThrow('the header has more than 2 columns');
  });

  it('past the task limit rows are counted, not kept', async () => {
    const collector = new TaskCollector(10);
    await collectDelimited(await tempFile(`n\n${Array.from({ length: 50 }, (_, i) => i).join('\n')}\n`), { delimiter: ',', name: 'x.csv', maxColumns: 1000 }, collector);
    expect(collector.count).toBe(50);
    expect(collector.items).toHaveLength(10);
    expect(collector.overLimit).toBe(true);
  });
});

describe('JSON files', () => {
  it('streams a large array element by element', async () => {
    const items = Array.from({ length: 30_000 }, (_, i) => ({ data: { text: `task ${i} ✓`, n: i, nested: { list: [i, null, true] } } }));
    const collector = new TaskCollector(100_000);
    const path = await tempFile(`\ufeff  \n${JSON.stringify(items, null, 1)}`);
    await collectJson({ name: 'big.json', path, size: 0 }, { collector, maxBytes: Infinity });
    expect(collector.count).toBe(30_000);
    expect(collector.items[29_999]).toEqual(items[29_999]);
  });
});

describe('HTML minifying', () => {
  it.each([
    ['<html><body>  <p>Hi   there</p>\n</body></html>', '<html><body><p>Hi there</p></body></html>'],
    ['<div>\n  <pre>a\n   b</pre>\n <b>x</b>  y </div>', '<div><pre>a\n   b</pre><b>x</b> y </div>'],
    ['<!--  note  -->\n<p>t</p>', '<!-- note --><p>t</p>'],
    ['<textarea>  keep  </textarea>', '<textarea>  keep  </textarea>'],
    ['  plain   text  ', 'plain text'],
  ])('%j → %j', (html, min) => expect(minifyHtml(html)).toBe(min));
});

describe('the kind registry', () => {
  const text = { text: 'Text' };
  const ts = { csv: 'TimeSeries' };
  it.each([
    ['a.csv', text, 'csv'],
    ['a.CSV', text, 'csv'],
    ['a.tsv', text, 'tsv'],
    ['a.txt', text, 'txt'],
    ['a.json', text, 'json'],
    ['a.zip', text, 'zip'],
    ['a.rar', text, 'rar'],
    ['a.html', text, 'html'],
    ['a.HTM', text, 'html'],
    ['a.xml', text, 'html'],
    ['a.jpg', text, 'hosted'],
    ['a', text, 'hosted'],
    ['a.exe', text, 'hosted'],
    ['a.csv', ts, 'hosted'],
    ['a.tsv', ts, 'hosted'],
    ['a.json', ts, 'json'],
  ])('%s with %j → %s', (name, types, kind) => expect(kindOf(name, types).name).toBe(kind));
});

describe('archive members', () => {
  it.each([
    ['a.txt', false],
    ['dir/', true],
    ['dir/a.txt', false],
    ['.DS_Store', true],
    ['dir/.hidden.png', true],
    ['.git/config', true],
    ['__MACOSX/._a.txt', true],
    ['x/__MACOSX/a.txt', false],
  ])('%s skipped: %s', (path, skipped) => expect(isSkippedMember(path)).toBe(skipped));
});

describe('download names', () => {
  const headers = (h: Record<string, string>) => new Headers(h);
  it.each([
    ['http://h/a/tasks.json', {}, 'tasks.json'],
    ['http://h/a/tasks.json?x=1#b.csv', {}, 'tasks.json'],
    ['http://h/a/my%20file.csv', {}, 'my file.csv'],
    ['http://h/export?format=csv', { 'content-disposition': 'attachment; filename="out.csv"' }, 'out.csv'],
    ['http://h/export', { 'content-disposition': "attachment; filename*=UTF-8''t%C3%A4sks.json" }, 'täsks.json'],
    ['http://h/api/x?q=json', { 'content-type': 'application/json; charset=utf-8' }, 'x.json'],
    ['http://h/', { 'content-type': 'image/png' }, 'h.png'],
    ['http://h/blob', { 'content-type': 'application/x-unknown' }, 'blob'],
  ])('%s %j → %s', (url, h, name) => expect(downloadName(new URL(url), headers(h))).toBe(name));
});

describe('canonical JSON (dedupe)', () => {
  it.each([
    [{ b: 1, a: [{ d: 2, c: 1 }] }, '{"a":[{"c":1,"d":2}],"b":1}'],
    [{ a: undefined, b: null }, '{"b":null}'],
    [['x', 1.5, true], '["x",1.5,true]'],
    [{ 'k"q': 'v' }, '{"k\\"q":"v"}'],
  ])('%j → %s', (value, text) => expect(canonicalJson(value)).toBe(text));
});
