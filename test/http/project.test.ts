// /api/project (GET, POST, PATCH), /api/project/config in its four body forms, and
// /api/validate-config (204 / 400 / 417).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import request from 'supertest';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { expectRejected, importTexts, multipartBody, SENTIMENT_CONFIG, snapshot, expectUnchanged, choiceCompletion, saved } from './support.ts';

const INSTRUCTION =
  "<img src='static/images/ls_logo.png'><br> Type some <b>hypertext</b> for annotators here!<br> <a href='https://labelstud.io/guide/labeling.html'>Read more</a> about the labeling interface.";

const DEFAULT_CONFIG_JSON = {
  title: 'Label Studio',
  description: 'default',
  protocol: 'http://',
  host: '0.0.0.0',
  port: 8080,
  debug: false,
  label_config: 'config.xml',
  input_path: 'tasks.json',
  output_dir: 'completions',
  instruction: INSTRUCTION,
  allow_delete_completions: true,
  templates_dir: 'examples',
  editor: { debug: false },
  sampling: 'sequential',
  ml_backends: [],
  task_page_auto_update_timer: 10000,
  show_project_links_in_multisession: true,
  source: { name: 'Tasks', type: 'tasks-json', path: 'tasks.json' },
  target: { name: 'Completions', type: 'completions-dir', path: 'completions' },
};

const AVAILABLE_STORAGES = [
  ['s3', 'Amazon S3'],
  ['s3-completions', 'Amazon S3'],
  ['gcs', 'Google Cloud Storage'],
  ['gcs-completions', 'Google Cloud Storage'],
  ['completions-dir', 'Local [completions are in "completions" directory]'],
  ['tasks-json', 'Local [loading tasks from "tasks.json" file]'],
];

function projectBody(t: TestApp, over: { config?: object; task_count?: number; completion_count?: number; data_types?: object; label_config_line?: string } = {}) {
  return {
    project_name: t.project.store.name,
    task_count: over.task_count ?? 0,
    completion_count: over.completion_count ?? 0,
    config: over.config ?? DEFAULT_CONFIG_JSON,
    instruction: INSTRUCTION,
    can_manage_tasks: true,
    can_manage_completions: true,
    can_delete_tasks: true,
    source_storage: { readable_path: `${t.project.store.location}/tasks.json` },
    target_storage: { readable_path: `${t.project.store.location}/completions` },
    available_storages: AVAILABLE_STORAGES,
    source_syncing: false,
    target_syncing: false,
    data_types: over.data_types ?? { text: 'Text' },
    label_config_line:
      over.label_config_line ??
      '<View>  <Text name="text" value="$text"/>  <Choices name="sentiment" toName="text" choice="single">    <Choice value="Positive"/>    <Choice value="Negative"/>    <Choice value="Neutral"/>  </Choices></View>',
    multi_session_mode: true,
  };
}

/** Config messages belong to the label config validator; the reply's shape is checked exactly. */
const configError = (message: RegExp) => ({ label_config: [expect.stringMatching(message)] });

const readJson = async (path: string) => JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;

describe('/api/project', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  it('GET gives the serialized project of a fresh folder; POST without new gives the same', async () => {
    const res = await request(t.app).get('/api/project');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(projectBody(t));
    // The UI adds fields=, polling= and rnd=; they are ignored.
    const withParams = await request(t.app).get('/api/project/?fields=instruction&polling=true&rnd=42');
    expect(withParams.status).toBe(200);
    expect(withParams.body).toEqual(res.body);
    const post = await request(t.app).post('/api/project');
    expect(post.status).toBe(200);
    expect(post.body).toEqual(res.body);
    // A fresh project has 0.8's defaults (the folder: its default files).
    const fresh = await saved(t);
    expect(fresh.settings).toEqual(DEFAULT_CONFIG_JSON);
    expect(fresh.labelConfig).toBe(SENTIMENT_CONFIG);
    expect(fresh.tasks).toEqual({});
    if (t.engine === 'folder') expect(await readFile(join(t.dir, 'tasks.json'), 'utf8')).toBe('{}');
  });

  it('counts tasks and tasks with completions', async () => {
    await importTexts(t.app, ['a', 'b', 'c']);
    await request(t.app).post('/api/tasks/1/completions').send(choiceCompletion('Positive')).expect(201);
    await request(t.app).post('/api/tasks/1/completions').send(choiceCompletion('Negative')).expect(201);
    await request(t.app).post('/api/tasks/2/completions?was_cancelled=1').send({ result: [] }).expect(201);
    const res = await request(t.app).get('/api/project');
    expect(res.body).toEqual(projectBody(t, { task_count: 3, completion_count: 2 }));
  });

  it('POST ?new=1 is a 400 in single-project mode and changes nothing', async () => {
    await expectRejected(t, [
      {
        method: 'post',
        path: '/api/project?new=1&desc=Second',
        status: 400,
        code: 'single_project',
        expected: { detail: 'Creating projects needs multi-session mode (MULTI_SESSION=1); in single-user mode use POST /api/projects {"name"}' },
      },
    ]);
  });

  it('PATCH changes the settings a client may set and writes config.json with 2-space indent', async () => {
    const changes = {
      title: 'Reviews',
      description: 'Restaurant reviews',
      instruction: '<b>Pick one</b>',
      sampling: 'uniform',
      allow_delete_completions: false,
      task_page_auto_update_timer: 5000,
      show_project_links_in_multisession: false,
      enable_predictions_button: true,
    };
    const res = await request(t.app).patch('/api/project/').send(changes);
    expect(res.status).toBe(201);
    const config = { ...DEFAULT_CONFIG_JSON, ...changes };
    expect(res.body).toEqual({ ...projectBody(t, { config }), instruction: '<b>Pick one</b>' });
    expect((await saved(t)).settings).toEqual(config);
    if (t.engine === 'folder') expect(await readFile(join(t.dir, 'config.json'), 'utf8')).toBe(JSON.stringify(config, null, 2));
    const again = await request(t.app).get('/api/project');
    expect(again.body).toEqual(res.body);
  });

  it('PATCH with one key leaves the others; an empty object changes nothing', async () => {
    const before = await snapshot(t);
    const empty = await request(t.app).patch('/api/project').send({});
    expect(empty.status).toBe(201);
    expect(empty.body).toEqual(projectBody(t));
    await expectUnchanged(t, before, 'PATCH {}');
    const res = await request(t.app).patch('/api/project').send({ sampling: 'prediction-score-max' });
    expect(res.status).toBe(201);
    expect(res.body.config).toEqual({ ...DEFAULT_CONFIG_JSON, sampling: 'prediction-score-max' });
  });

  it('PATCH rejects unknown keys, wrong types and bodies that are not an object', async () => {
    await expectRejected(t, [
      { method: 'patch', path: '/api/project', body: { foo: 1 }, status: 400, expected: { status: 400, detail: 'body: Unrecognized key: "foo"' } },
      {
        method: 'patch',
        path: '/api/project',
        body: { title: 'ok', password: 'x' },
        status: 400,
        expected: { status: 400, detail: 'body: Unrecognized key: "password"' },
      },
      {
        method: 'patch',
        path: '/api/project',
        body: { sampling: 'bogus' },
        status: 400,
        expected: { status: 400, detail: 'sampling: Invalid option: expected one of "sequential"|"uniform"|"prediction-score-min"|"prediction-score-max"' },
      },
      {
        method: 'patch',
        path: '/api/project',
        body: { allow_delete_completions: 'yes' },
        status: 400,
        expected: { status: 400, detail: 'allow_delete_completions: Invalid input: expected boolean, received string' },
      },
      { method: 'patch', path: '/api/project', body: { title: 5 }, status: 400, expected: { status: 400, detail: 'title: Invalid input: expected string, received number' } },
      {
        method: 'patch',
        path: '/api/project',
        body: { task_page_auto_update_timer: -1 },
        status: 400,
        expected: { status: 400, detail: 'task_page_auto_update_timer: Too small: expected number to be >0' },
      },
      { method: 'patch', path: '/api/project', status: 400, expected: { status: 400, detail: 'Body must be a JSON object of project settings' } },
      { method: 'patch', path: '/api/project', body: [1], status: 400, expected: { status: 400, detail: 'Body must be a JSON object of project settings' } },
      { method: 'patch', path: '/api/project', body: 'null', status: 400, expected: { status: 400, detail: 'Body must be a JSON object of project settings' } },
      { method: 'patch', path: '/api/project', body: '"text"', status: 400, expected: { status: 400, detail: 'Body must be a JSON object of project settings' } },
      { method: 'patch', path: '/api/project', body: '{"title": ', status: 400 },
      { method: 'patch', path: '/api/project', body: 'title=x', type: 'application/x-www-form-urlencoded', status: 400 },
    ]);
  });
});

describe('/api/project never shows secrets', () => {
  let t: TestApp;
  afterEach(async () => {
    await t.close();
  });

  it('drops password, username, aws_* keys and tokens from config', async () => {
    const stored = {
      ...DEFAULT_CONFIG_JSON,
      username: 'admin',
      password: 'hunter2',
      api_token: 'tok-123',
      source: {
        name: 'source',
        type: 's3',
        path: 'bucket',
        params: { prefix: 'p', regex: '.*', aws_access_key_id: 'AKIA', aws_secret_access_key: 'SECRET', aws_session_token: 'SESSION', region: 'us-east-1' },
      },
      target: { name: 'target', type: 'gcs-completions', path: 'out', params: { prefix: '', google_application_credentials: '{"k": 1}', private_key: 'PK' } },
    };
    t = await makeTestApp({}, async (dir) => {
      await mkdir(join(dir, 'completions'), { recursive: true });
      await writeFile(join(dir, 'config.json'), JSON.stringify(stored));
      await writeFile(join(dir, 'config.xml'), SENTIMENT_CONFIG);
      await writeFile(join(dir, 'tasks.json'), '{}');
    });
    const res = await request(t.app).get('/api/project');
    expect(res.status).toBe(200);
    expect(res.body.config).toEqual({
      ...DEFAULT_CONFIG_JSON,
      source: { name: 'source', type: 's3', path: 'bucket', params: { prefix: 'p', regex: '.*', region: 'us-east-1' } },
      target: { name: 'target', type: 'gcs-completions', path: 'out', params: { prefix: '' } },
    });
    expect(res.body.can_manage_tasks).toBe(false);
    expect(res.body.can_manage_completions).toBe(false);
    expect(res.body.can_delete_tasks).toBe(false);
    for (const secret of ['hunter2', 'admin', 'tok-123', 'AKIA', 'SECRET', 'SESSION', 'PK', '"k"']) expect(res.text).not.toContain(secret);
    // The same after a PATCH (its answer is the project too) and in POST.
    const patched = await request(t.app).patch('/api/project').send({ title: 'x' });
    expect(patched.status).toBe(201);
    for (const secret of ['hunter2', 'tok-123', 'AKIA', 'SECRET', 'SESSION', 'PK']) expect(patched.text).not.toContain(secret);
    const post = await request(t.app).post('/api/project');
    for (const secret of ['hunter2', 'tok-123', 'AKIA', 'SECRET', 'SESSION', 'PK']) expect(post.text).not.toContain(secret);
    // ...but they stay in config.json: the server still needs them.
    const onDisk = await readJson(join(t.dir, 'config.json'));
    expect(onDisk.password).toBe('hunter2');
    expect((onDisk.source as { params: Record<string, string> }).params.aws_secret_access_key).toBe('SECRET');
  });
});

const IMAGE_CONFIG = '<View>\n  <Image name="image" value="$image"/>\n  <RectangleLabels name="label" toName="image">\n    <Label value="Car"/>\n  </RectangleLabels>\n</View>\n';

describe('POST /api/project/config', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  async function expectSaved(xml: string, dataTypes: Record<string, string>) {
    const { labelConfig, settings } = await saved(t);
    expect(labelConfig).toBe(xml);
    expect(settings.label_config_updated).toBe(true);
    const project = await request(t.app).get('/api/project');
    expect(project.body.data_types).toEqual(dataTypes);
    expect(project.body.label_config_line).toBe(xml.replace(/<!--[\s\S]*?-->/g, '').replace(/[\r\n]/g, ''));
    expect(project.body.config.label_config_updated).toBe(true);
  }

  it('takes a JSON body {label_config}; CRLF becomes LF', async () => {
    const res = await request(t.app).post('/api/project/config').send({ label_config: IMAGE_CONFIG.replace(/\n/g, '\r\n') });
    expect(res.status).toBe(201);
    expect(res.text).toBe('');
    await expectSaved(IMAGE_CONFIG, { image: 'Image' });
  });

  it('takes a multipart form field (trailing slash too)', async () => {
    const res = await request(t.app).post('/api/project/config/').field('label_config', IMAGE_CONFIG);
    expect(res.status).toBe(201);
    await expectSaved(IMAGE_CONFIG, { image: 'Image' });
  });

  it('takes a urlencoded form field', async () => {
    const xml = '<View>\n  <!-- a comment & more -->\n  <Text name="review" value="$review"/>\n  <Choices name="c" toName="review"><Choice value="a+b"/><Choice value="c"/></Choices>\n</View>\n';
    const res = await request(t.app).post('/api/project/config').type('form').send({ label_config: xml });
    expect(res.status).toBe(201);
    await expectSaved(xml, { review: 'Text' });
  });

  it('takes a raw XML body (application/xml and text/xml)', async () => {
    const res = await request(t.app).post('/api/project/config').set('Content-Type', 'application/xml').send(IMAGE_CONFIG);
    expect(res.status).toBe(201);
    await expectSaved(IMAGE_CONFIG, { image: 'Image' });
    const xml2 = '<View><Text name="t" value="$t"/></View>';
    const res2 = await request(t.app).post('/api/project/config').set('Content-Type', 'text/xml; charset=utf-8').send(xml2);
    expect(res2.status).toBe(201);
    await expectSaved(xml2, { t: 'Text' });
  });

  it('takes raw XML sent as urlencoded, as `curl --data @config.xml` does', async () => {
    // curl --data @file drops the line breaks and sends application/x-www-form-urlencoded.
    const sent = IMAGE_CONFIG.replace(/\n/g, '');
    const res = await request(t.app).post('/api/project/config').set('Content-Type', 'application/x-www-form-urlencoded').send(sent);
    expect(res.status).toBe(201);
    await expectSaved(sent, { image: 'Image' });
  });

  it('rejects bad configs with {"label_config": [...]} and changes nothing', async () => {
    await expectRejected(t, [
      {
        name: 'XML that does not parse',
        method: 'post',
        path: '/api/project/config',
        body: { label_config: '<View><Text name="a" value="$a"></View>' },
        status: 400,
        expected: configError(/^XML is not well-formed: .*closing tag/),
      },
      {
        name: 'duplicate names',
        method: 'post',
        path: '/api/project/config',
        body: { label_config: '<View><Text name="a" value="$a"/><Choices name="a" toName="a"><Choice value="x"/><Choice value="y"/></Choices></View>' },
        status: 400,
        expected: configError(/^Label config contains non-unique names \[["']a["']/),
      },
      {
        name: 'unknown toName',
        method: 'post',
        path: '/api/project/config',
        body: { label_config: '<View><Text name="a" value="$a"/><Choices name="c" toName="b"><Choice value="x"/><Choice value="y"/></Choices></View>' },
        status: 400,
        expected: configError(/^toName="b" not found in names: /),
      },
      {
        name: 'toName naming a control',
        method: 'post',
        path: '/api/project/config',
        body: {
          label_config:
            '<View><Text name="t" value="$t"/><Labels name="l" toName="t"><Label value="a"/></Labels><Choices name="c" toName="l"><Choice value="x"/><Choice value="y"/></Choices></View>',
        },
        status: 400,
        expected: configError(/to_name=l is specified for output tag name=c, but we can't find it among input tags/),
      },
      {
        name: 'bad raw XML',
        method: 'post',
        path: '/api/project/config',
        body: '<View><Text name="a" value="$a"/><Text name="a" value="$b"/></View>',
        type: 'application/xml',
        status: 400,
        expected: configError(/^Label config contains non-unique names/),
      },
      {
        name: 'DOCTYPE',
        method: 'post',
        path: '/api/project/config',
        body: { label_config: '<!DOCTYPE x [<!ENTITY e "x">]><View/>' },
        status: 400,
        expected: configError(/DOCTYPE/),
      },
      { name: 'JSON without the key', method: 'post', path: '/api/project/config', body: {}, status: 400, expected: { label_config: ['can only parse strings'] } },
      { name: 'non-string value', method: 'post', path: '/api/project/config', body: { label_config: 5 }, status: 400, expected: { label_config: ['can only parse strings'] } },
      { name: 'no body', method: 'post', path: '/api/project/config', status: 400, expected: { label_config: ['No label_config in request'] } },
      {
        name: 'form without label_config',
        method: 'post',
        path: '/api/project/config',
        body: 'x=y',
        type: 'application/x-www-form-urlencoded',
        status: 400,
        expected: { label_config: ['No label_config in request'] },
      },
      { name: 'malformed JSON', method: 'post', path: '/api/project/config', body: '{"label_config": "<View', status: 400 },
    ]);
    await expectRejected(t, [
      {
        name: 'bad config in a multipart field',
        method: 'post',
        path: '/api/project/config',
        ...multipartBody({ label_config: '<View><Text name="a" value="$a"/><Text name="a" value="$b"/></View>' }),
        status: 400,
        expected: configError(/^Label config contains non-unique names/),
      },
      {
        name: 'multipart without label_config',
        method: 'post',
        path: '/api/project/config',
        ...multipartBody({ other: 'x' }),
        status: 400,
        expected: { label_config: ['No label_config in request'] },
      },
    ]);
  });

  it('rejects a config the imported tasks do not fit', async () => {
    await importTexts(t.app, ['a', 'b']);
    await expectRejected(t, [
      {
        method: 'post',
        path: '/api/project/config',
        body: { label_config: IMAGE_CONFIG },
        status: 400,
        expected: {
          label_config: [
            'You have already imported tasks and they are incompatible with a new config. You\'ve specified value=$image, but imported tasks contain only keys: ["text"]',
          ],
        },
      },
    ]);
  });
});

describe('POST /api/validate-config', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  it('204 for a valid config, with no side effects', async () => {
    const before = await snapshot(t);
    const xml = '<View><Text name="t" value="$t"/><Labels name="l" toName="t"><Label value="a"/></Labels></View>';
    const form = await request(t.app).post('/api/validate-config').type('form').send({ label_config: xml, edit_count: '3' });
    expect(form.status).toBe(204);
    expect(form.text).toBe('');
    const multipart = await request(t.app).post('/api/validate-config/').field('label_config', xml);
    expect(multipart.status).toBe(204);
    await expectUnchanged(t, before, 'validate-config');
  });

  it('400 {"label_config": [...]} for an invalid one, 417 without one', async () => {
    await expectRejected(t, [
      {
        method: 'post',
        path: '/api/validate-config',
        body: 'label_config=' + encodeURIComponent('<View><Text name="t" value="$t"/><Labels name="l" toName="t"><Label value="a"/></Labels><Choices name="c" toName="l"><Choice value="x"/><Choice value="y"/></Choices></View>'),
        type: 'application/x-www-form-urlencoded',
        status: 400,
        expected: configError(/to_name=l is specified for output tag name=c, but we can't find it among input tags/),
      },
      {
        method: 'post',
        path: '/api/validate-config',
        body: 'label_config=' + encodeURIComponent('<View><Text'),
        type: 'application/x-www-form-urlencoded',
        status: 400,
        expected: configError(/^XML is not well-formed/),
      },
      // 0.8 answered 417 with the text "No label_config in POST".
      { method: 'post', path: '/api/validate-config', body: 'x=y', type: 'application/x-www-form-urlencoded', status: 417, text: /No label_config in POST/ },
      { method: 'post', path: '/api/validate-config', status: 417, text: /No label_config in POST/ },
      { method: 'post', path: '/api/validate-config', body: '{bad', status: 400 },
    ]);
  });

  it('checks a config against the tasks already imported', async () => {
    await importTexts(t.app, ['a']);
    const res = await request(t.app).post('/api/validate-config').type('form').send({ label_config: IMAGE_CONFIG });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      status: 400,
      code: 'invalid_label_config',
      label_config: ['You have already imported tasks and they are incompatible with a new config. You\'ve specified value=$image, but imported tasks contain only keys: ["text"]'],
    });
  });
});
