// Shared pieces of the import tests: configs, fixture paths, the tasks and upload/ files
// a project holds, a real file server on 127.0.0.1 for URL imports, and zips built with
// archiver (the same library the exporters use).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PassThrough } from 'node:stream';
import { ZipArchive } from 'archiver';
import request from 'supertest';
import { expect } from 'vitest';
import type { TestApp } from '../helpers/app.ts';

export const SAMPLES = fileURLToPath(new URL('../fixtures/samples/', import.meta.url));
export const sample = (name: string) => readFile(join(SAMPLES, name));

const choices = (to: string) => `<Choices name="choice" toName="${to}"><Choice value="a"/><Choice value="b"/></Choices>`;
export const CONFIGS = {
  text: `<View><Text name="text" value="$text"/>${choices('text')}</View>`,
  image: `<View><Image name="image" value="$image"/>${choices('image')}</View>`,
  audio: `<View><Audio name="audio" value="$audio"/>${choices('audio')}</View>`,
  pdf: `<View><HyperText name="pdf" value="$pdf"/>${choices('pdf')}</View>`,
  html: `<View><HyperText name="html" value="$html"/>${choices('html')}</View>`,
  review: `<View><Text name="text" value="$reviewText"/>${choices('text')}</View>`,
  sine: `<View><Text name="one" value="$one"/>${choices('one')}</View>`,
  /** TimeSeries reading its CSV by URL: CSV files are hosted, not parsed. */
  timeSeries: `<View><TimeSeries name="ts" valueType="url" timeColumn="time" value="$csv"><Channel column="one"/></TimeSeries><TimeSeriesLabels name="label" toName="ts"><Label value="Run"/><Label value="Walk"/></TimeSeriesLabels></View>`,
  twoKeys: `<View><Image name="image" value="$image"/><Text name="caption" value="$caption"/>${choices('image')}</View>`,
  noKeys: `<View><Header value="Anything goes"/></View>`,
} as const;

export async function setConfig(t: TestApp, xml: string): Promise<void> {
  const res = await request(t.app).post('/api/project/config').send({ label_config: xml });
  expect(res.status, res.text).toBe(201);
}

/** The project's tasks, by id, straight from the store. */
export async function storedTasks(t: TestApp): Promise<{ id: number; data: Record<string, unknown> }[]> {
  const out: { id: number; data: Record<string, unknown> }[] = [];
  for await (const task of t.project.store.taskData()) out.push(task);
  return out;
}

export async function uploadedFiles(t: TestApp): Promise<string[]> {
  try {
    return (await readdir(join(t.dir, 'upload'))).sort();
  } catch {
    return [];
  }
}

/** The stored name in a task's /data/upload/... URL. */
export function storedNameOf(url: unknown): string {
  expect(url).toMatch(/^\/data\/upload\/[0-9a-f]{32}-/);
  return decodeURIComponent(String(url).slice('/data/upload/'.length));
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A real HTTP server on 127.0.0.1 (port 0) answering with `handler`. */
export async function fileServer(handler: Handler): Promise<{ base: string; close: () => Promise<void> }> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    base: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface ZipMember {
  name: string;
  content?: Buffer | string;
  /** An explicit directory entry. */
  dir?: boolean;
}

export async function makeZip(members: ZipMember[]): Promise<Buffer> {
  const zip = new ZipArchive({ zlib: { level: 1 } });
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    out.on('end', resolve);
    zip.on('error', reject);
  });
  zip.pipe(out);
  for (const m of members) {
    if (m.dir) zip.append('', { name: m.name.endsWith('/') ? m.name : `${m.name}/`, type: 'directory' });
    else zip.append(m.content ?? '', { name: m.name });
  }
  await zip.finalize();
  await done;
  return Buffer.concat(chunks);
}

export function withoutDuration(body: Record<string, unknown>): Record<string, unknown> {
  expect(typeof body.duration).toBe('number');
  const { duration: _d, ...rest } = body;
  return rest;
}
