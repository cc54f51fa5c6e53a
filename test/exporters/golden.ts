// The golden export cases (test/fixtures/export-golden, copied from the reference
// converter's outputs): build a Label Studio 0.8 project folder from a case, export it
// through HTTP, unzip it, and read what the reference wrote.
import { createServer, type Server } from 'node:http';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import yauzl from 'yauzl';
import { expect } from 'vitest';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { sortKeysDeep } from '../../src/util/json.ts';

export const GOLDEN = fileURLToPath(new URL('../fixtures/export-golden/', import.meta.url));

export const CASES = [
  'text_classification',
  'ner',
  'ner_with_choices',
  'image_bbox',
  'image_polygons',
  'image_mixed',
  'keypoints',
  'brush',
  'audio_transcription',
  'multi_completion',
  'missing_created_at',
  'csv_data_types',
  'no_completions',
] as const;
export type CaseName = (typeof CASES)[number];

export interface RunFormat {
  error: string | null;
  zip_entries: string[] | null;
}

export interface GoldenCase {
  name: CaseName;
  configXml: string;
  /** The completion files, one element per completions/<id>.json. */
  tasksText: string;
  run: { supported_formats: Record<string, string[]>; formats: Record<string, RunFormat> };
}

export async function goldenCase(name: CaseName): Promise<GoldenCase> {
  const dir = join(GOLDEN, name);
  return {
    name,
    configXml: await readFile(join(dir, 'config.xml'), 'utf8'),
    tasksText: await readFile(join(dir, 'tasks.json'), 'utf8'),
    run: JSON.parse(await readFile(join(dir, 'run.json'), 'utf8')),
  };
}

/** The cases whose run.json has the format (the reference ran it, failed or not). */
export async function casesWithFormat(format: string): Promise<CaseName[]> {
  const out: CaseName[] = [];
  for (const name of CASES) if ((await goldenCase(name)).run.formats[format]) out.push(name);
  return out;
}

/** Every file the reference wrote for a format, by its path in the zip. */
export async function goldenFiles(name: CaseName, format: string): Promise<Map<string, Buffer>> {
  const root = join(GOLDEN, name, 'out', format);
  const files = new Map<string, Buffer>();
  let entries;
  try {
    entries = await readdir(root, { recursive: true, withFileTypes: true });
  } catch {
    return files; // an export that wrote only an empty folder has none left in the fixture
  }
  for (const e of entries) {
    if (!e.isFile()) continue;
    const full = join(e.parentPath, e.name);
    files.set(relative(root, full).split('\\').join('/'), await readFile(full));
  }
  return files;
}

export async function goldenText(name: CaseName, format: string, file: string): Promise<string> {
  return readFile(join(GOLDEN, name, 'out', format, file), 'utf8');
}

export interface ProjectOptions {
  /** Applied to the case's tasks.json text before the project is written (URL rewrites). */
  rewrite?: (text: string) => string;
  /** Files put in the project's upload/ folder. */
  uploads?: Record<string, Buffer>;
  /** Tasks that have no completions file. */
  bareTasks?: { id: number; data: Record<string, unknown> }[];
}

/**
 * A project folder laid out as Label Studio 0.8 wrote it: config.xml, tasks.json and one
 * completions/<id>.json per element of the case (2-space indent, keys sorted), then opened.
 */
export async function openGoldenProject(c: GoldenCase, opts: ProjectOptions = {}): Promise<TestApp> {
  const files = JSON.parse((opts.rewrite ?? ((s) => s))(c.tasksText)) as { id: number; data: Record<string, unknown> }[];
  // The reference's images are served from 127.0.0.1 (startImageServer), which exports
  // refuse to fetch from unless allowed.
  return makeTestApp({ FETCH_ALLOW: '127.0.0.1' }, async (dir) => {
    await mkdir(join(dir, 'completions'), { recursive: true });
    await writeFile(join(dir, 'config.json'), '{}');
    await writeFile(join(dir, 'config.xml'), c.configXml);
    const tasks: Record<string, unknown> = {};
    for (const t of [...files, ...(opts.bareTasks ?? [])].sort((a, b) => a.id - b.id)) tasks[String(t.id)] = { id: t.id, data: t.data };
    await writeFile(join(dir, 'tasks.json'), JSON.stringify(tasks, null, 2));
    for (const f of files) await writeFile(join(dir, 'completions', `${f.id}.json`), JSON.stringify(sortKeysDeep(f), null, 2));
    if (opts.uploads) {
      await mkdir(join(dir, 'upload'), { recursive: true });
      for (const [name, bytes] of Object.entries(opts.uploads)) await writeFile(join(dir, 'upload', name), bytes);
    }
  });
}

/** supertest parser that keeps the body as bytes (zips, PNGs). */
export function binaryParser(res: request.Response, cb: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
  res.on('error', (e) => cb(e, Buffer.alloc(0)));
}

export interface Unzipped {
  /** Entry names in zip order, directory entries included. */
  entries: string[];
  files: Map<string, Buffer>;
}

export function unzip(zip: Buffer): Promise<Unzipped> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (err, zf) => {
      if (err || !zf) return reject(err);
      const out: Unzipped = { entries: [], files: new Map() };
      zf.on('error', reject);
      zf.on('end', () => resolve(out));
      zf.on('entry', (entry: yauzl.Entry) => {
        out.entries.push(entry.fileName);
        if (entry.fileName.endsWith('/')) return zf.readEntry();
        zf.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            out.files.set(entry.fileName, Buffer.concat(chunks));
            zf.readEntry();
          });
        });
      });
      zf.readEntry();
    });
  });
}

/** GET /api/project/export?format=F&zip=1, checked to be a zip download, unzipped. */
export async function exportZip(t: TestApp, format: string): Promise<Unzipped> {
  const res = await request(t.app).get(`/api/project/export?format=${format}&zip=1`).buffer(true).parse(binaryParser);
  expect(res.status, String(res.body)).toBe(200);
  expect(res.headers['content-type']).toBe('application/zip');
  expect(res.headers['content-disposition']).toMatch(/^attachment; filename=\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d\.zip$/);
  expect(res.headers['filename']).toMatch(/^\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d\.zip$/);
  return unzip(res.body as Buffer);
}

/** GET /api/project/export?format=F without zip: the single file, as bytes. */
export async function exportSingle(t: TestApp, format: string) {
  const res = await request(t.app).get(`/api/project/export?format=${format}`).buffer(true).parse(binaryParser);
  return { status: res.status, headers: res.headers, body: res.body as Buffer };
}

export const md5 = (s: string) => createHash('md5').update(s).digest('hex');

/** The images the reference's test server gave out: cat.png (640×480 grey), street.png (320×240 RGB). */
export const CAT_PNG_MD5_NAME = '33731ba076cc055562f78b2bd3d38ea9';
export const STREET_PNG_MD5_NAME = 'b7124572ad62341e50f24d34d29a1b53';
const GOLDEN_BASE = 'http://127.0.0.1:18765';

export interface ImageServer {
  base: string;
  /** Rewrites the reference server's URLs to this server's (identity when it got port 18765). */
  rewrite(text: string): string;
  /** The name a fetched file gets in the export (md5 of its URL) for a golden md5 name. */
  fetchedName(goldenName: string): string;
  requests: string[];
  close(): Promise<void>;
}

function listen(server: Server, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve(false) : reject(err)));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
}

/**
 * A real HTTP server with the reference's two images (their bytes are the ones the
 * reference fetched, kept in the golden output). It takes port 18765 when free, so the
 * URLs and the md5 names are the goldens'; otherwise (another test file holds it) URLs and
 * md5 names are rewritten consistently.
 */
export async function startImageServer(): Promise<ImageServer> {
  const images: Record<string, Buffer> = {
    '/cat.png': await readFile(join(GOLDEN, 'image_bbox/out/COCO/images', CAT_PNG_MD5_NAME)),
    '/street.png': await readFile(join(GOLDEN, 'image_polygons/out/COCO/images', STREET_PNG_MD5_NAME)),
  };
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const body = images[req.url ?? ''];
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': body.length }).end(body);
  });
  if (!(await listen(server, 18765))) await listen(server, 0);
  const port = (server.address() as { port: number }).port;
  const base = `http://127.0.0.1:${port}`;
  const goldenNames = new Map([
    [CAT_PNG_MD5_NAME, md5(`${base}/cat.png`)],
    [STREET_PNG_MD5_NAME, md5(`${base}/street.png`)],
  ]);
  return {
    base,
    requests,
    rewrite: (text) => text.split(GOLDEN_BASE).join(base),
    fetchedName: (name) => {
      let out = name;
      for (const [g, n] of goldenNames) out = out.split(g).join(n);
      return out;
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** The reference's zip entries for a case and format (directory entries included), as a sorted list. */
export function goldenEntries(c: GoldenCase, format: string): string[] {
  const e = c.run.formats[format]?.zip_entries;
  if (!e) throw new Error(`the reference wrote no zip for ${c.name} ${format}`);
  return [...e].sort();
}

/**
 * A real, minimal JPEG (1×1, one grey component, arithmetic-coded baseline) standing in
 * for an uploaded photo: what the exporters read from it is its header (one channel).
 */
export const GREY_JPEG = Buffer.from(
  'ffd8ffe000104a46494600010101004800480000ffdb004300030202020203020202030303030406040404040408060605060908' +
    '0a0a090809090a0c0f0c0a0b0e0b09090d110d0e0f101011100a0c12131210130f10101010ffc9000b080001000101011100ffcc00060010' +
    '1005ffda0008010100003f00d2cf20ffd9',
  'hex',
);

/** Golden text and ours line by line; "area" lines may differ by 1e-9 relative (the reference summed with NumPy). */
export function expectSameJsonLines(ours: string, expected: string): void {
  const a = ours.split('\n');
  const b = expected.split('\n');
  expect(a.length, 'line count').toBe(b.length);
  for (let i = 0; i < b.length; i++) {
    const m = /^(\s*"area": )(.+?)(,?)$/.exec(b[i]!);
    const n = /^(\s*"area": )(.+?)(,?)$/.exec(a[i]!);
    if (m && n && m[1] === n[1] && m[3] === n[3]) {
      const [x, y] = [Number(n[2]), Number(m[2])];
      expect(Math.abs(x - y) <= 1e-9 * Math.abs(y), `line ${i + 1}: area ${x} vs ${y}`).toBe(true);
      continue;
    }
    expect(a[i], `line ${i + 1}`).toBe(b[i]);
  }
}
