// Every input kind of POST /api/project/import as a multipart upload (config-and-import
// §2.4–2.9), with the sample files of the spec: the response, the tasks stored (ids, data
// keys, values, URLs) and the files written to upload/.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { CONFIGS, makeZip, sample, setConfig, storedTasks, uploadedFiles, withoutDuration } from './support.ts';

interface Part {
  field: string;
  /** A fixture name, or the bytes to send. */
  content: string | Buffer;
  filename?: string;
}

interface KindCase {
  name: string;
  config: string;
  parts: Part[];
  formats: Record<string, number>;
  /** The data of the stored tasks, in id order; "<upload:x>" stands for x's /data/upload URL. */
  data: Record<string, unknown>[];
  /** Files expected in upload/: fixture name (or bytes) and the name they were sent as. */
  uploads?: { content: string | Buffer; name: string; stored: string }[];
  prediction_count?: number;
}

const bytes = async (c: string | Buffer) => (typeof c === 'string' ? sample(c) : c);
const hash32 = (b: Buffer) => createHash('md5').update(b).digest('hex'); // 0.8's <md5>-<name>
const url = (stored: string) => `/data/upload/${encodeURIComponent(stored)}`;

async function hostedName(content: string | Buffer, sanitized: string): Promise<string> {
  return `${hash32(await bytes(content))}-${sanitized}`;
}

const lorem = ['Lorem ipsum dolor sit amet,', 'consectetur adipiscing elit,', 'sed do eiusmod tempor incididunt', 'ut labore et dolore magna aliqua.'];

async function sineRows(): Promise<Record<string, unknown>[]> {
  const lines = (await sample('sample-task-sin.csv')).toString('utf8').trim().split('\n').slice(1);
  return lines.map((l) => {
    const [time, one, two] = l.split(',').map(Number);
    return { time, one, two };
  });
}

type FixtureTask = { data: Record<string, unknown>; predictions?: unknown[] };
const reviewTasks = JSON.parse((await sample('text_classification_tasks.json')).toString('utf8')) as FixtureTask[];
const bboxTasks = JSON.parse((await sample('image_bbox_tasks.json')).toString('utf8')) as FixtureTask[];
const predictionsIn = (tasks: FixtureTask[]) => tasks.reduce((n, t) => n + (t.predictions?.length ?? 0), 0);

const CASES: KindCase[] = [
  {
    name: 'TXT: one task per line, into the first data key',
    config: CONFIGS.text,
    parts: [{ field: 'lorem_ipsum.txt', content: 'lorem_ipsum.txt' }],
    formats: { '.txt': 1 },
    data: lorem.map((text) => ({ text })),
  },
  {
    name: 'TXT: BOM kept, empty line kept, CRLF and CR line ends (examples.md §5.9)',
    config: CONFIGS.text,
    parts: [{ field: 'a.txt', content: Buffer.from('\ufefffirst\r\n\r\nthird\rfourth\n') }],
    formats: { '.txt': 1 },
    data: [{ text: '\ufefffirst' }, { text: '' }, { text: 'third' }, { text: 'fourth' }],
  },
  {
    name: 'CSV: header = keys, NA → "", numbers and booleans per column (examples.md §5.9)',
    config: CONFIGS.text,
    parts: [{ field: 'c.csv', content: Buffer.from('text,score,flag,na\nhello,1,True,NA\nworld,,false,n/a\n') }],
    formats: { '.csv': 1 },
    data: [
      { text: 'hello', score: 1, flag: true, na: '' },
      { text: 'world', score: '', flag: false, na: '' },
    ],
  },
  {
    name: 'CSV: the sample time series, 499 rows of floats',
    config: CONFIGS.sine,
    parts: [{ field: 'sample-task-sin.csv', content: 'sample-task-sin.csv' }],
    formats: { '.csv': 1 },
    data: [], // filled in below from the file itself
  },
  {
    name: 'CSV: quoting, quoted newlines, duplicate and empty header names, blank lines',
    config: CONFIGS.text,
    parts: [{ field: 'q.csv', content: Buffer.from('text,x,x,\n"a, ""b""\nc",01,2,\n\nplain,3,x,z\n') }],
    formats: { '.csv': 1 },
    data: [
      { text: 'a, "b"\nc', x: 1, 'x.1': '2', 'Unnamed: 3': '' },
      { text: 'plain', x: 3, 'x.1': 'x', 'Unnamed: 3': 'z' },
    ],
  },
  {
    name: 'TSV: tab separated',
    config: CONFIGS.text,
    parts: [{ field: 't.tsv', content: Buffer.from('text\tscore\nhi there\t2.5\nbye\t3\n') }],
    formats: { '.tsv': 1 },
    data: [
      { text: 'hi there', score: 2.5 },
      { text: 'bye', score: 3 },
    ],
  },
  {
    name: 'upper-case extension is still CSV (0.8 hosted A.CSV, Quirk Q-I2)',
    config: CONFIGS.text,
    parts: [{ field: 'A.CSV', content: Buffer.from('text\nupper\n') }],
    formats: { '.CSV': 1 },
    data: [{ text: 'upper' }],
  },
  {
    name: 'the file name decides, not the field name: -F file=@t.csv is CSV',
    config: CONFIGS.text,
    parts: [{ field: 'file', content: Buffer.from('text\nfrom curl\n'), filename: 't.csv' }],
    formats: { '.csv': 1 },
    data: [{ text: 'from curl' }],
  },
  {
    name: 'a file name without extension falls back to the field name (the 0.8 UI)',
    config: CONFIGS.text,
    parts: [{ field: 'u.csv', content: Buffer.from('text\nfrom a blob\n'), filename: 'blob' }],
    formats: { '.csv': 1 },
    data: [{ text: 'from a blob' }],
  },
  {
    name: 'JSON file: the 100 shipped text-classification tasks',
    config: CONFIGS.review,
    parts: [{ field: 'tasks.json', content: 'text_classification_tasks.json' }],
    formats: { '.json': 1 },
    data: reviewTasks.map((t) => t.data),
    prediction_count: predictionsIn(reviewTasks),
  },
  {
    name: 'JSON file: tasks with predictions',
    config: CONFIGS.image,
    parts: [{ field: 'bbox.json', content: 'image_bbox_tasks.json' }],
    formats: { '.json': 1 },
    data: bboxTasks.map((t) => t.data),
    prediction_count: predictionsIn(bboxTasks),
  },
  {
    name: 'JSON file: one object, after a UTF-8 BOM',
    config: CONFIGS.text,
    parts: [{ field: 'one.json', content: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"text": "solo", "extra": [1]}')]) }],
    formats: { '.json': 1 },
    data: [{ text: 'solo', extra: [1] }],
  },
  {
    name: 'HTML file: one task, whitespace collapsed',
    config: CONFIGS.html,
    parts: [{ field: 'page.html', content: Buffer.from('<html><body>  <p>Hi   there</p>\n</body></html>\n') }],
    formats: { '.html': 1 },
    data: [{ html: '<html><body><p>Hi there</p></body></html>' }],
  },
  {
    name: 'XML and HTM files are HTML too',
    config: CONFIGS.html,
    parts: [
      { field: 'doc.xml', content: Buffer.from('<doc>\n  <p>one</p>\n</doc>') },
      { field: 'old.htm', content: Buffer.from('<pre>  keep\n  this </pre>') },
    ],
    formats: { '.xml': 1, '.htm': 1 },
    data: [{ html: '<doc><p>one</p></doc>' }, { html: '<pre>  keep\n  this </pre>' }],
  },
  {
    name: 'image: hosted, its URL in the first data key',
    config: CONFIGS.image,
    parts: [{ field: 'kittens.jpg', content: 'kittens.jpg' }],
    formats: { '.jpg': 1 },
    data: [{ image: '<upload:0>' }],
    uploads: [{ content: 'kittens.jpg', name: 'kittens.jpg', stored: 'kittens.jpg' }],
  },
  {
    name: 'audio: hosted',
    config: CONFIGS.audio,
    parts: [{ field: 'game.wav', content: 'game.wav' }],
    formats: { '.wav': 1 },
    data: [{ audio: '<upload:0>' }],
    uploads: [{ content: 'game.wav', name: 'game.wav', stored: 'game.wav' }],
  },
  {
    name: 'PDF: hosted',
    config: CONFIGS.pdf,
    parts: [{ field: 'file', content: 'sample.pdf', filename: 'sample.pdf' }],
    formats: { '.pdf': 1 },
    data: [{ pdf: '<upload:0>' }],
    uploads: [{ content: 'sample.pdf', name: 'sample.pdf', stored: 'sample.pdf' }],
  },
  {
    name: 'TimeSeries-only config: the CSV is hosted, not parsed',
    config: CONFIGS.timeSeries,
    parts: [{ field: 'sample-task-sin.csv', content: 'sample-task-sin.csv' }],
    formats: { '.csv': 1 },
    data: [{ csv: '<upload:0>' }],
    uploads: [{ content: 'sample-task-sin.csv', name: 'sample-task-sin.csv', stored: 'sample-task-sin.csv' }],
  },
  {
    name: 'a file without extension is hosted; formats counts it as ""',
    config: CONFIGS.text,
    parts: [{ field: 'file', content: Buffer.from('just bytes'), filename: 'README' }],
    formats: { '': 1 },
    data: [{ text: '<upload:0>' }],
    uploads: [{ content: Buffer.from('just bytes'), name: 'README', stored: 'README' }],
  },
  {
    name: 'stored names are sanitized: no directories, no spaces; UTF-8 names kept and percent-encoded in the URL',
    config: CONFIGS.image,
    parts: [
      { field: 'file', content: 'kittens1.jpg', filename: '../../etc/evil name.jpg' },
      { field: 'file', content: 'kittens2.jpg', filename: 'фото кошки.jpg' },
    ],
    formats: { '.jpg': 2 },
    data: [{ image: '<upload:0>' }, { image: '<upload:1>' }],
    uploads: [
      { content: 'kittens1.jpg', name: 'evil name.jpg', stored: 'evil_name.jpg' },
      { content: 'kittens2.jpg', name: 'фото кошки.jpg', stored: 'фото_кошки.jpg' },
    ],
  },
  {
    name: 'several files in one request: tasks in request order, formats per extension',
    config: CONFIGS.text,
    parts: [
      { field: 'lorem_ipsum.txt', content: 'lorem_ipsum.txt' },
      { field: 'c.csv', content: Buffer.from('text\nfrom csv\n') },
      { field: 'kittens.jpg', content: 'kittens.jpg' },
      { field: 'more.txt', content: Buffer.from('last') },
    ],
    formats: { '.txt': 2, '.csv': 1, '.jpg': 1 },
    data: [...lorem.map((text) => ({ text })), { text: 'from csv' }, { text: '<upload:0>' }, { text: 'last' }],
    uploads: [{ content: 'kittens.jpg', name: 'kittens.jpg', stored: 'kittens.jpg' }],
  },
  {
    name: 'a config without data keys keeps the $undefined$ placeholder',
    config: CONFIGS.noKeys,
    parts: [{ field: 'x.txt', content: Buffer.from('only line') }],
    formats: { '.txt': 1 },
    data: [{ $undefined$: 'only line' }],
  },
];

describe('POST /api/project/import: one row per input kind', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  it.each(CASES)('$name', async (c) => {
    await setConfig(t, c.config);
    // Something first, so ids visibly continue after the highest.
    await request(t.app).post('/api/project/import').send([{ text: 'before', image: 'x', audio: 'x', pdf: 'x', html: 'x', reviewText: 'x', one: 1, csv: 'x' }]).expect(201);
    let req = request(t.app).post('/api/project/import');
    for (const p of c.parts) req = req.attach(p.field, await bytes(p.content), p.filename ?? p.field);
    const res = await req;
    expect(res.status, res.text).toBe(201);

    const data = c.name.startsWith('CSV: the sample time series') ? await sineRows() : c.data;
    const uploads = await Promise.all((c.uploads ?? []).map(async (u) => ({ ...u, storedName: await hostedName(u.content, u.stored) })));
    const expected = data.map((d) => Object.fromEntries(Object.entries(d).map(([k, v]) => [k, typeof v === 'string' && v.startsWith('<upload:') ? url(uploads[Number(v.slice(8, -1))]!.storedName) : v])));
    expect(withoutDuration(res.body)).toEqual({
      task_count: data.length,
      completion_count: 0,
      prediction_count: c.prediction_count ?? 0,
      formats: c.formats,
      new_task_ids: data.map((_, i) => i + 1),
    });
    const tasks = (await storedTasks(t)).slice(1);
    expect(tasks.map((x) => x.id)).toEqual(data.map((_, i) => i + 1));
    expect(tasks.map((x) => Object.keys(x.data))).toEqual(expected.map((d) => Object.keys(d)));
    expect(tasks.map((x) => x.data)).toEqual(expected);

    expect(await uploadedFiles(t)).toEqual(uploads.map((u) => u.storedName).sort());
    for (const u of uploads) expect((await readFile(join(t.dir, 'upload', u.storedName))).equals(await bytes(u.content)), u.name).toBe(true);
  });

  it('a ZIP archive: members by the same rules, directories, dot-files and __MACOSX skipped', async () => {
    const kittens = await sample('kittens.jpg');
    const zip = await makeZip([
      { name: 'lorem_ipsum.txt', content: await sample('lorem_ipsum.txt') },
      { name: 'dir', dir: true },
      { name: 'dir/tasks.json', content: '[{"text": "from json"}, {"data": {"text": "wrapped"}, "predictions": [{"result": []}]}]' },
      { name: 'dir/rows.CSV', content: 'text,n\nrow,7\n' },
      { name: '.DS_Store', content: 'junk' },
      { name: 'dir/.hidden.txt', content: 'hidden' },
      { name: '__MACOSX/._lorem_ipsum.txt', content: 'resource fork' },
      { name: 'dir/img/kittens.jpg', content: kittens },
      { name: 'inner.zip', content: await makeZip([{ name: 'deep.txt', content: 'deep line' }]) },
    ]);
    const res = await request(t.app).post('/api/project/import').attach('file', zip, 'bundle.zip');
    expect(res.status, res.text).toBe(201);
    const stored = `${hash32(kittens)}-kittens.jpg`;
    expect(withoutDuration(res.body)).toEqual({
      task_count: 9,
      completion_count: 0,
      prediction_count: 1,
      formats: { '.txt': 2, '.json': 1, '.CSV': 1, '.jpg': 1 },
      new_task_ids: [0, 1, 2, 3, 4, 5, 6, 7, 8],
    });
    expect((await storedTasks(t))).toEqual([
      ...lorem.map((text, id) => ({ id, data: { text } })),
      { id: 4, data: { text: 'from json' } },
      { id: 5, data: { text: 'wrapped' } },
      { id: 6, data: { text: 'row', n: 7 } },
      { id: 7, data: { text: url(stored) } },
      { id: 8, data: { text: 'deep line' } },
    ]);
    expect((await t.project.store.get(5))!.task.predictions).toEqual([{ result: [] }]);
    expect(await uploadedFiles(t)).toEqual([stored]);
    expect((await readFile(join(t.dir, 'upload', stored))).equals(kittens)).toBe(true);
  });

  it('the same file imported twice is stored once and both tasks point at it', async () => {
    await setConfig(t, CONFIGS.image);
    const kittens = await sample('kittens.jpg');
    const first = await request(t.app).post('/api/project/import').attach('a.jpg', kittens, 'pic.jpg').attach('b.jpg', kittens, 'pic.jpg');
    expect(first.status, first.text).toBe(201);
    const second = await request(t.app).post('/api/project/import').attach('file', kittens, 'pic.jpg');
    expect(second.body.new_task_ids).toEqual([2]);
    const stored = `${hash32(kittens)}-pic.jpg`;
    expect((await storedTasks(t)).map((x) => x.data)).toEqual([{ image: url(stored) }, { image: url(stored) }, { image: url(stored) }]);
    expect(await uploadedFiles(t)).toEqual([stored]);
  });

  it('PUBLIC_URL is put in front of upload URLs', async () => {
    const app = await makeTestApp({ PUBLIC_URL: 'https://labels.example.org/' });
    try {
      await setConfig(app, CONFIGS.image);
      const kittens = await sample('kittens.jpg');
      await request(app.app).post('/api/project/import').attach('file', kittens, 'kittens.jpg').expect(201);
      expect((await storedTasks(app))[0]!.data).toEqual({ image: `https://labels.example.org/data/upload/${hash32(kittens)}-kittens.jpg` });
    } finally {
      await app.close();
    }
  });
});
