// How an export is delivered (export.md §2 and the issue): ascending task id, a snapshot
// taken when the export starts, the server answering while a large export streams, an
// abandoned download, an empty zip, and nothing left behind in the project folder.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { binaryParser, exportZip, goldenCase, openGoldenProject } from './golden.ts';
import { DEFAULT_LABEL_CONFIG } from '../../src/storage/defaults.ts';

async function listing(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const full = join(e.parentPath, e.name);
    out.push(`${relative(dir, full)} ${e.isFile() ? (await stat(full)).size : 'dir'}`);
  }
  return out.sort();
}

const choice = (c: string) => ({ lead_time: 1, result: [{ from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: [c] } }] });

describe('order and snapshot', () => {
  it('exports in ascending numeric task id, whatever the order of the files', async () => {
    const c = await goldenCase('multi_completion');
    const tasks = [100, 9, 10].map((id) => ({ id, data: { text: `task ${id}` }, completions: [{ id: id * 1000 + 1, created_at: 1606860000, ...choice('Positive') }] }));
    const t = await openGoldenProject({ ...c, tasksText: JSON.stringify(tasks) });
    try {
      const zip = await exportZip(t, 'JSON_MIN');
      expect(JSON.parse(zip.files.get('result.json')!.toString()).map((r: { id: number }) => r.id)).toEqual([9, 10, 100]);
      const csv = await exportZip(t, 'CSV');
      expect(csv.files.get('result.csv')!.toString()).toBe('text,id,sentiment\ntask 9,9,Positive\ntask 10,10,Positive\ntask 100,100,Positive\n');
    } finally {
      await t.close();
    }
  });
});

describe('a large export on a listening server', () => {
  const N = 10_000;
  let t: TestApp;
  let server: Server;
  let base: string;
  beforeAll(async () => {
    // Written as 0.8 would have left the folder (not imported), so closing the store has no checkpoint of N files to write.
    t = await makeTestApp({}, async (dir) => {
      await mkdir(join(dir, 'completions'), { recursive: true });
      await writeFile(join(dir, 'config.json'), '{}');
      await writeFile(join(dir, 'config.xml'), DEFAULT_LABEL_CONFIG);
      const lines: string[] = [];
      for (let id = 0; id <= N; id++) {
        const data = { text: `Task number ${id} ${'x'.repeat(500)}` };
        lines.push(`"${id}": ${JSON.stringify({ id, data })}`);
        if (id < N) await writeFile(join(dir, 'completions', `${id}.json`), JSON.stringify({ completions: [{ created_at: 1606860000, id: id * 1000 + 1, ...choice(id % 2 ? 'Positive' : 'Negative') }], data, id }, null, 2));
      }
      await writeFile(join(dir, 'tasks.json'), '{\n' + lines.join(',\n') + '\n}\n');
    });
    server = t.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 60_000);
  afterAll(async () => {
    const closed = new Promise((r) => server.close(r));
    server.closeAllConnections();
    await closed;
    await t.close();
  });

  it('keeps answering other requests meanwhile, and exports the tasks as they were when it started', async () => {
    const before = await listing(t.dir);
    const res = await fetch(`${base}/api/project/export?format=JSON`);
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const chunks: Uint8Array[] = [(await reader.read()).value!];
    // The export is under way (we hold its body back) and the server still answers.
    const health = await fetch(`${base}/api/health`);
    expect(health.status).toBe(200);
    // A completion saved now is not in this export: it started before.
    const saved = await fetch(`${base}/api/tasks/${N}/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(choice('Neutral')) });
    expect(saved.status).toBe(201);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
    }
    const exported = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: number }[];
    expect(exported).toHaveLength(N);
    expect(exported[0]!.id).toBe(0);
    expect(exported.at(-1)!.id).toBe(N - 1);
    // Only the saved completion touched the folder; the export wrote nothing there.
    const after = (await listing(t.dir)).filter((l) => !l.startsWith('journal'));
    expect(after).toEqual(before.filter((l) => !l.startsWith('journal')));
  });

  it('a download abandoned halfway stops, and the next export is whole', async () => {
    const ctrl = new AbortController();
    const res = await fetch(`${base}/api/project/export?format=CSV&zip=1`, { signal: ctrl.signal });
    await res.body!.getReader().read();
    ctrl.abort();
    const again = await fetch(`${base}/api/project/export?format=CSV`);
    const text = await again.text();
    expect(text.split('\n')).toHaveLength(1 + (N + 1) + 1); // header, rows, the final newline
  });
});

describe('an export that writes nothing', () => {
  it('is a valid empty zip of 22 bytes (BRUSH_TO_PNG without brush results)', async () => {
    const c = await goldenCase('brush');
    const t = await openGoldenProject({ ...c, tasksText: '[]' }, { bareTasks: [{ id: 1, data: { image: '/data/upload/1.png' } }] });
    try {
      const res = await request(t.app)
        .get('/api/project/export?format=BRUSH_TO_PNG')
        .buffer(true)
        .parse(binaryParser);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/zip');
      expect((res.body as Buffer).length).toBe(22);
      expect((res.body as Buffer).subarray(0, 4).toString('hex')).toBe('504b0506');
    } finally {
      await t.close();
    }
  });

  it('a rejected export leaves the project folder as it was', async () => {
    const t = await openGoldenProject(await goldenCase('ner'));
    try {
      const before = await listing(t.dir);
      expect((await request(t.app).get('/api/project/export?format=VOC')).status).toBe(400);
      expect((await request(t.app).get('/api/project/export')).status).toBe(400);
      await exportZip(t, 'CONLL2003');
      expect(await listing(t.dir)).toEqual(before);
    } finally {
      await t.close();
    }
  });
});
