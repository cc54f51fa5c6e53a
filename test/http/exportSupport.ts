// Reading export answers: the single .json file, or the zip of ?zip=1.
import request from 'supertest';
import type { Express } from 'express';
import { expect } from 'vitest';
import { fromBuffer, type Entry, type ZipFile } from 'yauzl';

/** GET /api/project/export?format=<format>: checks the file headers, returns the parsed records. */
export async function exportJson(app: Express, format: 'JSON' | 'JSON_MIN'): Promise<unknown[]> {
  const res = await request(app).get(`/api/project/export?format=${format}`).buffer(true).parse(binary);
  expect(res.status, `${format} export`).toBe(200);
  expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(res.headers['content-disposition']).toMatch(/^attachment; filename=\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}\.json$/);
  const text = (res.body as Buffer).toString('utf8');
  const records = JSON.parse(text) as unknown[];
  // 2-space indent, non-ASCII written raw, as 0.8's result.json.
  expect(text).toBe(JSON.stringify(records, null, 2));
  return records;
}

/** A supertest parser that keeps the body as bytes. */
function binary(res: request.Response, done: (err: Error | null, body: Buffer) => void): void {
  const stream = res as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => done(null, Buffer.concat(chunks)));
  stream.on('error', (err: Error) => done(err, Buffer.alloc(0)));
}

/** GETs a zip and returns its entries, name → content. */
export async function unzip(app: Express, path: string): Promise<Record<string, Buffer>> {
  const res = await request(app).get(path).buffer(true).parse(binary);
  expect(res.status, path).toBe(200);
  expect(res.headers['content-type']).toBe('application/zip');
  expect(res.headers['content-disposition']).toMatch(/^attachment; filename=\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}\.zip$/);
  const zip = await new Promise<ZipFile>((resolve, reject) => fromBuffer(res.body as Buffer, { lazyEntries: true }, (err, z) => (err ? reject(err) : resolve(z))));
  const out: Record<string, Buffer> = {};
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: Entry) => {
      zip.openReadStream(entry, (err, stream) => {
        if (err) return reject(err);
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          out[entry.fileName] = Buffer.concat(chunks);
          zip.readEntry();
        });
        stream.on('error', reject);
      });
    });
    zip.on('end', resolve);
    zip.on('error', reject);
    zip.readEntry();
  });
  return out;
}
