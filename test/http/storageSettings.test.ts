// /api/project/storage-settings (api.md §5.12): the forms, every refusal (a 400 naming the
// field, nothing changed), local storages, and credentials that never come back.
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { expectRejected, type BadCase } from './support.ts';

const apps: TestApp[] = [];
afterEach(async () => {
  while (apps.length) await apps.pop()!.close();
});
async function app(overrides: Parameters<typeof makeTestApp>[0] = {}): Promise<TestApp> {
  const t = await makeTestApp({ CLOUD_SYNC_INTERVAL_SECONDS: '3600', ...overrides });
  apps.push(t);
  return t;
}

const S3 = '/api/project/storage-settings?type=s3&storage_for=source';
const s3 = (extra: Record<string, unknown> = {}) => ({ type: 's3', path: 'bucket', regex: '.*', ...extra });
const invalid = (errors: Record<string, string[]>) => ({ code: 'invalid_storage_settings' as const, status: 400, expected: { errors } });

describe('GET /api/project/storage-settings', () => {
  it('lists the six types for their roles, the current one marked, fields in 0.8 order, data_key from the config', async () => {
    const t = await app();
    const res = await request(t.app).get('/api/project/storage-settings');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.source)).toEqual(['s3', 'gcs', 'tasks-json']);
    expect(Object.keys(res.body.target)).toEqual(['s3-completions', 'gcs-completions', 'completions-dir']);
    expect(res.body.source['tasks-json']).toMatchObject({ type: 'tasks-json', current: true, description: 'Local [loading tasks from "tasks.json" file]', path: `${t.project.store.location}/tasks.json`, fields: [] });
    expect(res.body.source.s3.current).toBe(false);
    expect(res.body.source.s3.path).toBe(`${t.project.store.location}/tasks.json`);
    const names = (type: string, role = 'source') => res.body[role][type].fields.map((f: { name: string }) => f.name);
    expect(names('s3')).toEqual(['path', 'prefix', 'regex', 'data_key', 'use_blob_urls', 'region']);
    expect(names('gcs')).toEqual(['path', 'prefix', 'regex', 'data_key', 'use_blob_urls']);
    expect(names('s3-completions', 'target')).toEqual(['path', 'prefix', 'create_local_copy']);
    expect(res.body.source.s3.fields[0]).toEqual({
      name: 'path', type: 'StringField', data: null, default: null, description: 'Storage path (e.g. bucket name)', id: 'path', short_name: 'path',
      object_data: null, raw_data: null, render_kw: null, do_not_call_in_templates: true,
    });
    const data = Object.fromEntries(res.body.source.s3.fields.map((f: { name: string; data: unknown }) => [f.name, f.data]));
    expect(data).toEqual({ path: null, prefix: null, regex: null, data_key: 'text', use_blob_urls: true, region: 'us-east-1' });
    expect(res.body.target['gcs-completions'].fields[1].description).toBe('GCS Bucket prefix');
  });
});

describe('POST /api/project/storage-settings', () => {
  it('refuses every bad form with a 400 naming the field, and changes nothing', async () => {
    const t = await app();
    const cases: BadCase[] = [
      { name: 'no storage_for', method: 'post', path: '/api/project/storage-settings?type=completions-dir', body: { type: 'completions-dir' }, ...invalid({ storage_for: ['?storage_for= must be "source" or "target"'] }) },
      { name: 'unknown storage_for', method: 'post', path: '/api/project/storage-settings?type=completions-dir&storage_for=nowhere', body: { type: 'completions-dir' }, ...invalid({ storage_for: ['?storage_for= must be "source" or "target", not "nowhere"'] }) },
      { name: 'no type in the body', method: 'post', path: '/api/project/storage-settings?type=completions-dir&storage_for=target', body: {}, ...invalid({ type: ['This field is required: one of s3-completions, gcs-completions, completions-dir'] }) },
      { name: 'body type differs from ?type', method: 'post', path: '/api/project/storage-settings?type=completions-dir&storage_for=target', body: { type: 's3-completions', path: 'b' }, ...invalid({ type: ["The body's type \"s3-completions\" differs from ?type=completions-dir"] }) },
      { name: 'internal type json', method: 'post', path: '/api/project/storage-settings?type=json&storage_for=source', body: { type: 'json', path: '/etc/passwd' }, ...invalid({ type: ['"json" is not a source storage type: one of s3, gcs, tasks-json'] }) },
      { name: 'internal type dir-jsons', method: 'post', path: '/api/project/storage-settings?type=dir-jsons&storage_for=target', body: { type: 'dir-jsons', path: '/tmp' }, ...invalid({ type: ['"dir-jsons" is not a target storage type: one of s3-completions, gcs-completions, completions-dir'] }) },
      { name: 'a source type as target', method: 'post', path: '/api/project/storage-settings?type=s3&storage_for=target', body: s3(), ...invalid({ type: ['"s3" is not a target storage type: one of s3-completions, gcs-completions, completions-dir'] }) },
      { name: 'no path', method: 'post', path: S3, body: { type: 's3', regex: '.*' }, ...invalid({ path: ['This field is required.'] }) },
      { name: 'empty path', method: 'post', path: '/api/project/storage-settings?type=gcs-completions&storage_for=target', body: { type: 'gcs-completions', path: ' ' }, ...invalid({ path: ['This field is required.'] }) },
      { name: 'no regex (0.8: 500)', method: 'post', path: S3, body: { type: 's3' }, ...invalid({ path: ['This field is required.'], regex: ['This field is required (an empty regex lists no files; .* lists them all).'] }) },
      { name: 'bad regex', method: 'post', path: S3, body: s3({ regex: '(unclosed' }), ...invalid({ regex: ['(unclosed is not a valid regular expression'] }) },
      { name: 'boolean as a string', method: 'post', path: S3, body: s3({ use_blob_urls: 'yes' }), ...invalid({ use_blob_urls: ['Must be true or false'] }) },
      { name: 'string as a number', method: 'post', path: S3, body: s3({ prefix: 5 }), ...invalid({ prefix: ['Must be a string'] }) },
      { name: 'unknown field', method: 'post', path: S3, body: s3({ aws_secret_key: 'x' }), ...invalid({ aws_secret_key: ['Unknown field for s3'] }) },
      { name: 'a field of another type', method: 'post', path: '/api/project/storage-settings?type=gcs&storage_for=source', body: { type: 'gcs', path: 'b', regex: '', region: 'eu' }, ...invalid({ region: ['Unknown field for gcs'] }) },
      { name: 'endpoint not http', method: 'post', path: S3, body: s3({ endpoint_url: 'file:///etc' }), ...invalid({ endpoint_url: ['Must be an http:// or https:// URL'] }) },
      { name: 'credentials not a key', method: 'post', path: '/api/project/storage-settings?type=gcs&storage_for=source', body: { type: 'gcs', path: 'b', regex: '.*', google_credentials: 'nope' }, ...invalid({ google_credentials: ['Must be a service account key (a JSON object)'] }) },
      { name: 'fields of a local type', method: 'post', path: '/api/project/storage-settings?type=tasks-json&storage_for=source', body: { type: 'tasks-json', path: '/etc' }, ...invalid({ path: ['Unknown field for tasks-json'] }) },
      { name: 'a list', method: 'post', path: S3, body: [s3()], ...invalid({ type: ['The body must be a JSON object of the form\'s fields and "type"'] }) },
      { name: 'not JSON', method: 'post', path: S3, body: '{"type": ', type: 'application/json', status: 400, code: 'malformed_json' },
      // Not public, and CLOUD_STORAGE_ALLOW does not list it: refused before connecting.
      {
        name: 'endpoint on loopback',
        method: 'post',
        path: S3,
        body: s3({ endpoint_url: 'http://127.0.0.1:9000' }),
        status: 400,
        code: 'storage_update_failed',
        expected: { detail: 'Error while storage update: Refused to connect to http://127.0.0.1:9000: 127.0.0.1, a loopback address; set CLOUD_STORAGE_ALLOW=127.0.0.1 to allow it' },
      },
      {
        name: 'endpoint at the metadata service',
        method: 'post',
        path: '/api/project/storage-settings?type=gcs-completions&storage_for=target',
        body: { type: 'gcs-completions', path: 'b', endpoint_url: 'http://169.254.169.254' },
        status: 400,
        code: 'storage_update_failed',
        expected: { detail: expect.stringContaining('a link-local address; set CLOUD_STORAGE_ALLOW=169.254.169.254') },
      },
    ];
    await expectRejected(t, cases);
  }, 60_000);

  it('sets a local storage as 0.8 writes it: path null, no params', async () => {
    const t = await app();
    const res = await request(t.app).post('/api/project/storage-settings?type=completions-dir&storage_for=target').send({ type: 'completions-dir' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ result: 'ok' });
    expect((await t.project.store.config()).settings.target).toEqual({ name: 'target', type: 'completions-dir', path: null, params: {} });
    const project = await request(t.app).get('/api/project');
    expect(project.body).toMatchObject({ can_manage_completions: true, target_storage: { readable_path: `${t.project.store.location}/completions` }, source_syncing: false, target_syncing: false });
    expect((await request(t.app).get('/api/project/storage-status')).body).toEqual({ source: null, target: null });
  });

  it('credentials in config.json (written by hand, as 0.8 allowed) never come back from any endpoint', async () => {
    const t = await app();
    const secret = 'sEcReT-value-1234';
    const { settings } = await t.project.store.config();
    await t.project.store.saveConfig({
      ...settings,
      source: { name: 'source', type: 's3', path: 'b', params: { regex: '.*', aws_access_key_id: `AKIA${secret}`, aws_secret_access_key: secret, aws_session_token: secret } },
      target: { name: 'target', type: 'gcs-completions', path: 'b', params: { google_credentials: { client_email: 'x@y', private_key: secret } } },
    });
    for (const path of ['/api/project', '/api/project/storage-settings', '/api/project/storage-status', '/api/projects', '/api/project/stats', '/api/tasks', '/api/project/export/formats']) {
      const res = path === '/api/project' ? await request(t.app).post(path) : await request(t.app).get(path);
      expect(res.status, path).toBeLessThan(500);
      expect(res.text, path).not.toContain(secret);
      expect(res.text, path).not.toContain('google_credentials');
    }
  });
});
