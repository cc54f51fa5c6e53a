// GCS storages through @google-cloud/storage against test/helpers/gcsServer.ts, a small
// server of the JSON API on 127.0.0.1 (no GCS emulator installs from npm): the same source
// and target behaviour as S3's tests, less the failure cases (shared code, tested there).
import { generateKeyPairSync } from 'node:crypto';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { startGcs, type GcsTestServer } from '../helpers/gcsServer.ts';
import { choiceCompletion, importTexts } from './support.ts';

let gcs: GcsTestServer;
const apps: TestApp[] = [];
beforeAll(async () => {
  gcs = await startGcs(['media', 'tasks', 'labels']);
});
afterAll(async () => {
  await gcs.close();
});
afterEach(async () => {
  while (apps.length) await apps.pop()!.close();
});

async function app(): Promise<TestApp> {
  const t = await makeTestApp({ CLOUD_STORAGE_ALLOW: '127.0.0.1', CLOUD_SYNC_INTERVAL_SECONDS: '3600', CLOUD_TIMEOUT_SECONDS: '5' });
  apps.push(t);
  return t;
}

const set = async (t: TestApp, role: string, body: Record<string, unknown>) => {
  const res = await request(t.app).post(`/api/project/storage-settings?type=${String(body.type)}&storage_for=${role}`).send({ endpoint_url: gcs.url, ...body });
  expect(res.status, res.text).toBe(201);
};
const sync = async (t: TestApp) => (await request(t.app).post('/api/project/storage-sync')).body;

describe('a GCS source', () => {
  it('of blob URLs: gs:// tasks served as V4 signed URLs (signed with the storage\'s service account key)', async () => {
    const t = await app();
    for (const k of ['pics/a.png', 'pics/b.png', 'pics/c.txt']) gcs.objects.set(`media/${k}`, Buffer.from(k));
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    await set(t, 'source', { type: 'gcs', path: 'media', prefix: 'pics/', regex: '.*png', use_blob_urls: true, google_credentials: { client_email: 'labeler@project.iam.gserviceaccount.com', private_key: privateKey } });
    const status = await sync(t);
    expect(status.source).toMatchObject({ type: 'gcs', path: 'gs://media/pics/', new_tasks: 2, failed_syncs: 0 });
    expect((await t.project.store.get(0))!.task.data).toEqual({ text: 'gs://media/pics/a.png' });
    const served = (await request(t.app).get('/api/tasks/0')).body.data.text as string;
    const url = new URL(served);
    expect(url.pathname).toBe('/media/pics/a.png');
    expect(url.searchParams.get('X-Goog-Algorithm')).toBe('GOOG4-RSA-SHA256');
    expect(url.searchParams.get('X-Goog-Credential')).toMatch(/^labeler@project\.iam\.gserviceaccount\.com\//);
    expect(url.searchParams.get('X-Goog-Signature')).toMatch(/^[0-9a-f]{512}$/);
    const project = await request(t.app).get('/api/project');
    expect(project.text).not.toContain('PRIVATE KEY');
    expect(project.body.source_storage.readable_path).toBe('gs://media/pics/');
  });

  it('of JSON tasks: incremental over pages, only new objects read', async () => {
    const t = await app();
    for (let i = 0; i < 5; i++) gcs.objects.set(`tasks/in/${i}.json`, Buffer.from(JSON.stringify({ text: `t${i}` })));
    await set(t, 'source', { type: 'gcs', path: 'tasks', prefix: 'in/', regex: '.*', use_blob_urls: false });
    await sync(t);
    expect((await request(t.app).get('/api/project')).body.task_count).toBe(5);
    gcs.objects.set('tasks/in/new.json', Buffer.from(JSON.stringify({ text: 'new' })));
    gcs.requests.length = 0;
    const status = await sync(t);
    expect(status.source.last_sync).toEqual({ listed: 6, matched: 6, read: 1, new_tasks: 1, refused: 0 });
    expect(gcs.mediaGets()).toEqual([expect.stringContaining('/o/in%2Fnew.json')]);
    expect((await request(t.app).get('/api/project')).body.task_count).toBe(6);
  });
});

describe('a GCS target', () => {
  it('writes the task file on save and deletes it with the last completion', async () => {
    const t = await app();
    const [id] = await importTexts(t.app, ['one']);
    await set(t, 'target', { type: 'gcs-completions', path: 'labels', prefix: 'done/', create_local_copy: true });
    expect((await request(t.app).post(`/api/tasks/${id}/completions`).send(choiceCompletion('Positive'))).status).toBe(201);
    await t.project.cloud.targetDrained();
    expect(JSON.parse(gcs.objects.get(`labels/done/${id}`)!.toString())).toMatchObject({ id, data: { text: 'one' }, completions: [expect.objectContaining({ result: expect.any(Array) })] });
    expect((await request(t.app).delete(`/api/tasks/${id}/completions`)).status).toBe(204);
    await t.project.cloud.targetDrained();
    expect(gcs.objects.has(`labels/done/${id}`)).toBe(false);
    expect((await request(t.app).get('/api/project/storage-status')).body.target).toMatchObject({ path: 'gs://labels/done/', written: 1, deleted: 1, failures: 0, pending: 0 });
  });
});
