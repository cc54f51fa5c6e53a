// The shipped tasks files imported into a project using the same-named config (spec
// config-and-import §4): six match and import, five do not and are refused item by item.
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { shippedConfig, shippedTasks } from './fixtures.ts';

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
});
afterEach(async () => {
  await t.close();
});

async function importInto(name: string) {
  const config = await request(t.app).post('/api/project/config').type('form').send({ label_config: shippedConfig(name) });
  expect(config.status).toBe(201);
  const tasks = shippedTasks(name);
  const res = await request(t.app).post('/api/project/import').send(tasks as object);
  return { res, items: tasks as unknown[] };
}

describe('shipped tasks that match their config import', () => {
  it.each([
    { name: 'adv_other_pairwise', tasks: 1, predictions: 0 },
    { name: 'html_document', tasks: 1, predictions: 0 },
    { name: 'image_bbox', tasks: 3, predictions: 2 },
    { name: 'image_keypoints', tasks: 1, predictions: 1 },
    { name: 'image_polygons', tasks: 1, predictions: 1 },
    { name: 'text_named_entity', tasks: 1, predictions: 1 },
  ])('$name: $tasks task(s), $predictions prediction(s)', async ({ name, tasks, predictions }) => {
    const { res } = await importInto(name);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ task_count: tasks, prediction_count: predictions, completion_count: 0, new_task_ids: Array.from({ length: tasks }, (_, i) => i) });
    expect((await t.project.store.counts()).tasks).toBe(tasks);
  });
});

describe('shipped tasks that do not match their config are refused, with an error per task', () => {
  it.each([
    { name: 'audio_classification', key: 'audio' },
    { name: 'audio_transcribe', key: 'audio' },
    { name: 'html_dialogues', key: 'dialogue' },
    { name: 'image_mixedlabel', key: 'url' },
    { name: 'text_classification', key: 'text' },
  ])('$name: "$key" key is expected', async ({ name, key }) => {
    const { res, items } = await importInto(name);
    expect(res.status).toBe(400);
    const errors = res.body.errors as string[];
    // At most 100 entries, the last one "..." when items were left out.
    const listed = items.length > 99 ? 99 : items.length;
    expect(errors).toHaveLength(items.length > 99 ? 100 : items.length);
    if (items.length > 99) expect(errors[99]).toBe('...');
    for (let i = 0; i < listed; i++) {
      expect(errors[i]!.startsWith(`Error at item ${i}: "${key}" key is expected in task data [assume: item["data"] = task root with values] :: {`)).toBe(true);
    }
    expect((await t.project.store.counts()).tasks).toBe(0);
    const tasks = await request(t.app).get('/api/tasks');
    expect(tasks.body).toEqual([]);
  });
});
