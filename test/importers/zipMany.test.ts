// A zip of 1,000 small images imports in one request: 1,000 tasks, 1,000 files in
// upload/, each served back byte for byte from its task's URL.
import { PNG } from 'pngjs';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { CONFIGS, makeZip, setConfig, storedNameOf, storedTasks, uploadedFiles, withoutDuration } from './support.ts';

/** An 8×8 PNG whose pixels encode n, so every image differs. */
function png(n: number): Buffer {
  const img = new PNG({ width: 8, height: 8 });
  for (let i = 0; i < img.data.length; i += 4) {
    img.data[i] = n & 0xff;
    img.data[i + 1] = (n >> 8) & 0xff;
    img.data[i + 2] = (i / 4) * 3;
    img.data[i + 3] = 255;
  }
  return PNG.sync.write(img);
}

describe('a zip of 1,000 images', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp();
    await setConfig(t, CONFIGS.image);
  });
  afterEach(async () => {
    await t.close();
  });

  it('imports in one request and creates 1,000 tasks', async () => {
    const images = Array.from({ length: 1000 }, (_, i) => png(i));
    const zip = await makeZip(images.map((content, i) => ({ name: `shots/batch-${Math.floor(i / 100)}/img-${String(i).padStart(4, '0')}.png`, content })));
    const res = await request(t.app).post('/api/project/import').attach('file', zip, 'shots.zip');
    expect(res.status, res.text).toBe(201);
    expect(withoutDuration(res.body)).toEqual({
      task_count: 1000,
      completion_count: 0,
      prediction_count: 0,
      formats: { '.png': 1000 },
      new_task_ids: Array.from({ length: 1000 }, (_, i) => i),
    });
    const tasks = (await storedTasks(t));
    expect(tasks).toHaveLength(1000);
    const names = tasks.map((task) => storedNameOf(task.data.image));
    expect(new Set(names).size).toBe(1000);
    expect(names.every((n, i) => n.endsWith(`-img-${String(i).padStart(4, '0')}.png`))).toBe(true);
    expect(await uploadedFiles(t)).toEqual([...names].sort());
    for (const i of [0, 499, 999]) {
      const served = await request(t.app).get(tasks[i]!.data.image as string).buffer(true);
      expect(served.status).toBe(200);
      expect(served.headers['content-type']).toBe('image/png');
      expect(Buffer.compare(served.body as Buffer, images[i]!)).toBe(0);
    }
  });
});
