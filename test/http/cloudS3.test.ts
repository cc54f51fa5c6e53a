// S3 storages against a real S3-protocol server (s3rver, on 127.0.0.1): a source of images
// as blob URLs, served pre-signed; a source of JSON tasks, synced incrementally; a target
// that mirrors completions; and an S3 that goes away mid-sync. On both engines.
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { S3_KEYS, startS3, type S3TestServer } from '../helpers/s3server.ts';
import { choiceCompletion, expectErrorShape, importTexts } from './support.ts';

const IMAGE_CONFIG = `<View>
  <Image name="image" value="$image"/>
  <Choices name="kind" toName="image"><Choice value="Cat"/><Choice value="Dog"/></Choices>
</View>`;

let s3: S3TestServer;
const apps: TestApp[] = [];

beforeAll(async () => {
  s3 = await startS3(['images', 'tasks', 'labels']);
}, 30_000);

afterAll(async () => {
  await s3.close();
});

afterEach(async () => {
  s3.onRequest = undefined;
  while (apps.length) await apps.pop()!.close();
});

async function app(): Promise<TestApp> {
  // Syncs are started by the tests (POST /api/project/storage-sync), not by the timer.
  const t = await makeTestApp({ CLOUD_STORAGE_ALLOW: '127.0.0.1', CLOUD_SYNC_INTERVAL_SECONDS: '3600', CLOUD_TIMEOUT_SECONDS: '5' });
  apps.push(t);
  return t;
}

function source(bucket: string, extra: Record<string, unknown>) {
  return { type: 's3', path: bucket, region: 'us-east-1', endpoint_url: s3.url, ...S3_KEYS, ...extra };
}

async function setStorage(t: TestApp, role: 'source' | 'target', body: Record<string, unknown>) {
  const res = await request(t.app).post(`/api/project/storage-settings?type=${String(body.type)}&storage_for=${role}`).send(body);
  expect(res.status, res.text).toBe(201);
  expect(res.body).toEqual({ result: 'ok' });
}

async function sync(t: TestApp) {
  const res = await request(t.app).post('/api/project/storage-sync');
  expect(res.status, res.text).toBe(200);
  return res.body as { source: Record<string, any>; target: Record<string, any> | null };
}

describe('an S3 source of images (use_blob_urls)', () => {
  it('makes a task of each matching key; next, GET task and the task list serve pre-signed URLs that download the object', async () => {
    const t = await app();
    expect((await request(t.app).post('/api/project/config').type('application/xml').send(IMAGE_CONFIG)).status).toBe(201);
    const bytes = { 'imgs/a.jpg': Buffer.from('JPEG a \u00ff'), 'imgs/b.jpg': Buffer.from('JPEG b'), 'imgs/notes.txt': Buffer.from('no'), 'other/c.jpg': Buffer.from('c') };
    for (const [k, v] of Object.entries(bytes)) await s3.put('images', k, v);
    await setStorage(t, 'source', source('images', { prefix: 'imgs/', regex: '.*\\.jpg', data_key: 'image', use_blob_urls: true }));
    const status = await sync(t);
    expect(status.source).toMatchObject({ type: 's3', path: 's3://images/imgs/', syncing: false, new_tasks: 2, failed_syncs: 0, last_error: null });
    expect(status.source.last_sync_finished_at).toEqual(expect.any(String));

    // Stored as the object's URI; served signed.
    expect((await t.project.store.get(0))!.task.data).toEqual({ image: 's3://images/imgs/a.jpg' });
    expect((await t.project.store.get(1))!.task.data).toEqual({ image: 's3://images/imgs/b.jpg' });
    const list = await request(t.app).get('/api/tasks');
    expect(list.body.map((x: any) => x.id)).toEqual([0, 1]);
    const next = await request(t.app).get('/api/project/next');
    const one = await request(t.app).get('/api/tasks/1');
    for (const [url, key] of [
      [list.body[0].data.image, 'imgs/a.jpg'],
      [list.body[1].data.image, 'imgs/b.jpg'],
      [next.body.data.image, 'imgs/a.jpg'],
      [one.body.data.image, 'imgs/b.jpg'],
    ] as const) {
      expect(url).toMatch(new RegExp(`^${s3.url}/images/${key.replace('.', '\\.')}\\?.*X-Amz-Signature=`));
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer())).toEqual(bytes[key]);
    }

    // The project shows where its tasks come from, and no credential anywhere.
    const project = await request(t.app).get('/api/project');
    expect(project.body).toMatchObject({ task_count: 2, can_manage_tasks: false, can_delete_tasks: false, source_storage: { readable_path: 's3://images/imgs/' } });
    expect(project.body.config.source).toEqual({ name: 'source', type: 's3', path: 'images', params: { prefix: 'imgs/', regex: '.*\\.jpg', data_key: 'image', use_blob_urls: true, region: 'us-east-1', endpoint_url: s3.url } });
    const forms = await request(t.app).get('/api/project/storage-settings');
    expect(forms.body.source.s3.current).toBe(true);
    expect(Object.fromEntries(forms.body.source.s3.fields.map((f: any) => [f.name, f.data]))).toEqual({ path: 'images', prefix: 'imgs/', regex: '.*\\.jpg', data_key: 'image', use_blob_urls: true, region: 'us-east-1' });
    for (const res of [project, forms, await request(t.app).get('/api/project/storage-status'), await request(t.app).get('/api/projects')]) {
      expect(res.text).not.toContain('S3RVER');
      expect(res.text).not.toContain('aws_');
    }
    // ... though the project settings keep them.
    expect((await t.project.store.config()).settings.source).toMatchObject({ params: S3_KEYS });
  });
});

describe('an S3 source of JSON tasks', () => {
  it('is incremental: a second sync reads only the new objects; a refused object is reported and never read again', async () => {
    const t = await app();
    for (let i = 0; i < 50; i++) await s3.put('tasks', `batch/${String(i).padStart(3, '0')}.json`, JSON.stringify({ text: `task ${i}` }));
    await s3.put('tasks', 'batch/broken.json', '{"text": ');
    await s3.put('tasks', 'batch/list.json', JSON.stringify([{ data: { text: 'in a list' }, predictions: [{ result: [], score: 0.5 }] }]));
    await setStorage(t, 'source', source('tasks', { prefix: 'batch/', regex: '.*\\.json$', use_blob_urls: false }));
    let status = await sync(t);
    expect((await request(t.app).get('/api/project')).body.task_count).toBe(51);
    expect(status.source.refused).toBe(1);
    expect(status.source.last_error).toMatch(/^s3:\/\/tasks\/batch\/broken\.json refused: not JSON/);
    expect((await t.project.store.get(50))!.task).toEqual({ id: 50, data: { text: 'in a list' }, predictions: [{ result: [], score: 0.5 }] });

    await s3.put('tasks', 'batch/new-1.json', JSON.stringify({ text: 'new 1' }));
    await s3.put('tasks', 'batch/new-2.json', JSON.stringify({ data: { text: 'new 2' } }));
    s3.requests.length = 0;
    status = await sync(t);
    // One listing, two reads: the 51 tasks and the refused object are not read again.
    expect(s3.listings('tasks')).toHaveLength(1);
    expect(s3.objectGets('tasks').sort()).toEqual(['GET /tasks/batch/new-1.json', 'GET /tasks/batch/new-2.json'].map((r) => expect.stringContaining(r.split(' ')[1]!)));
    expect(s3.objectGets('tasks')).toHaveLength(2);
    expect(status.source.last_sync).toEqual({ listed: 54, matched: 54, read: 2, new_tasks: 2, refused: 0 });
    const texts = (await request(t.app).get('/api/tasks?page_size=100')).body.map((x: any) => x.data.text);
    expect(texts.slice(-2).sort()).toEqual(['new 1', 'new 2']);

    // Nothing new: the listing only.
    s3.requests.length = 0;
    status = await sync(t);
    expect(status.source.last_sync).toMatchObject({ listed: 54, read: 0, new_tasks: 0 });
    expect(s3.objectGets('tasks')).toHaveLength(0);

    // A restart remembers what was seen (the store keeps it).
    await t.reopen();
    s3.requests.length = 0;
    status = await sync(t);
    expect(status.source.last_sync).toMatchObject({ read: 0, new_tasks: 0 });
    expect((await request(t.app).get('/api/project')).body.task_count).toBe(53);
  });

  it('S3 stopped mid-sync: the sync fails and says so, requests are served meanwhile, the next sync finishes the job', async () => {
    const t = await app();
    for (let i = 0; i < 30; i++) await s3.put('tasks', `stop/${i}.json`, JSON.stringify({ text: `t${i}` }));
    await setStorage(t, 'source', source('tasks', { prefix: 'stop/', regex: '.*', use_blob_urls: false }));
    // That POST started a sync already; wait for it, then empty the project to start over.
    await sync(t);
    expect((await request(t.app).delete('/api/tasks')).status).toBe(204);

    let reads = 0;
    let stopped: Promise<void> | undefined;
    s3.onRequest = (line) => {
      if (line.startsWith('GET /tasks/stop/') && ++reads === 10) stopped = s3.stop();
    };
    const started = Date.now();
    const syncing = request(t.app).post('/api/project/storage-sync');
    // Served while the sync runs and fails.
    const project = await request(t.app).get('/api/project');
    expect(project.status).toBe(200);
    const status = (await syncing).body;
    await stopped;
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(status.source.failed_syncs).toBe(1);
    expect(status.source.last_error).toMatch(/^sync of s3:\/\/tasks\/stop\/ failed: /);
    expect(status.source.syncing).toBe(false);
    // The page that failed is not half-stored.
    expect((await request(t.app).get('/api/project')).body.task_count).toBe(0);

    await s3.start();
    const after = await sync(t);
    expect(after.source.last_sync).toMatchObject({ new_tasks: 30 });
    expect((await request(t.app).get('/api/project')).body.task_count).toBe(30);
  }, 60_000);
});

describe('an S3 target', () => {
  it('writes a task file on each completion save, deletes it with the last completion; failures are retried and reported', async () => {
    const t = await app();
    const [first, second] = await importTexts(t.app, ['one', 'two']);
    // Labeled before the target exists: written when the target is set.
    expect((await request(t.app).post(`/api/tasks/${first}/completions`).send(choiceCompletion('Positive'))).status).toBe(201);
    await setStorage(t, 'target', { type: 's3-completions', path: 'labels', prefix: 'out', create_local_copy: true, endpoint_url: s3.url, ...S3_KEYS });
    await t.project.cloud.targetDrained();
    const file = (id: number) => request(t.app).get(`/api/tasks/${id}`).then((r) => r.body);
    expect(JSON.parse((await s3.get('labels', `out/${first}`))!.toString())).toMatchObject({ id: first, data: { text: 'one' }, completions: [{ result: [expect.objectContaining({ value: { choices: ['Positive'] } })] }] });

    const c = await request(t.app).post(`/api/tasks/${second}/completions`).send(choiceCompletion('Negative'));
    await t.project.cloud.targetDrained();
    const written = JSON.parse((await s3.get('labels', `out/${second}`))!.toString());
    expect(written.completions.map((x: any) => x.id)).toEqual([c.body.id]);
    expect(written.completions[0]).toEqual((await file(second)).completions[0]);

    expect((await request(t.app).delete(`/api/tasks/${second}/completions`)).status).toBe(204);
    await t.project.cloud.targetDrained();
    expect(await s3.get('labels', `out/${second}`)).toBeUndefined();
    expect(await s3.get('labels', `out/${first}`)).toBeDefined();
    let status = (await request(t.app).get('/api/project/storage-status')).body;
    expect(status.target).toMatchObject({ type: 's3-completions', path: 's3://labels/out', pending: 0, written: 2, deleted: 1, failures: 0 });

    // S3 away: the completion is saved (the store is the truth), the write waits and is retried.
    await s3.stop();
    expect((await request(t.app).post(`/api/tasks/${second}/completions`).send(choiceCompletion('Neutral'))).status).toBe(201);
    await expect.poll(async () => (await request(t.app).get('/api/project/storage-status')).body.target.failures, { timeout: 20_000 }).toBeGreaterThan(0);
    status = (await request(t.app).get('/api/project/storage-status')).body;
    expect(status.target).toMatchObject({ pending: 1, failing: 1, last_error: expect.stringMatching(/^s3:\/\/labels\/out\/1: /) });
    expect((await request(t.app).get('/api/project')).body.target_syncing).toBe(true);
    await s3.start();
    await request(t.app).post('/api/project/storage-sync');
    await t.project.cloud.targetDrained();
    expect(JSON.parse((await s3.get('labels', `out/${second}`))!.toString()).completions[0].result[0].value).toEqual({ choices: ['Neutral'] });
    expect((await request(t.app).get('/api/project/storage-status')).body.target).toMatchObject({ pending: 0, failing: 0 });
  }, 60_000);
});

describe('setting up an S3 storage', () => {
  it('a bucket that is not there is a 400; an endpoint where nothing listens a 502; nothing changes', async () => {
    const t = await app();
    const missing = await request(t.app).post('/api/project/storage-settings?type=s3&storage_for=source').send(source('no-such-bucket', { regex: '.*' }));
    expect(missing.status).toBe(400);
    expectErrorShape(missing);
    expect(missing.body).toMatchObject({ code: 'storage_update_failed', detail: expect.stringMatching(/^Error while storage update: /) });
    const down = await request(t.app).post('/api/project/storage-settings?type=s3&storage_for=source').send({ ...source('images', { regex: '.*' }), endpoint_url: 'http://127.0.0.1:1' });
    expect(down.status).toBe(502);
    expect(down.body.code).toBe('cloud_storage_unreachable');
    expect((await t.project.store.config()).settings.source).toEqual({ name: 'Tasks', type: 'tasks-json', path: 'tasks.json' });
  }, 30_000);
});
