// /api/import-example, /api/import-example-file and /samples/time-series.csv over HTTP,
// and the promise behind them: an example task imports into, and validates against, its
// config, for each of the 54 shipped configs.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { shippedConfigs } from './fixtures.ts';

const FAITH = 'To have faith is to trust yourself to the water';
const TEXT_CONFIG = '<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text"><Choice value="Positive"/><Choice value="Negative"/></Choices></View>';

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
});
afterEach(async () => {
  await t.close();
});

const saveConfig = async (xml: string) => {
  const res = await request(t.app).post('/api/project/config').type('form').send({ label_config: xml });
  expect(res.body).toEqual({});
  expect(res.status).toBe(201);
};

describe('every shipped config', () => {
  it.each(shippedConfigs())('$name: the example imports and the config still validates', async ({ xml }) => {
    await saveConfig(xml);
    const example = await request(t.app).get('/api/import-example').query({ label_config: xml });
    expect(example.status).toBe(200);
    expect(example.type).toBe('application/json');
    const imported = await request(t.app).post('/api/project/import').send(example.body);
    expect(imported.body).toMatchObject({ task_count: 1 });
    expect(imported.status).toBe(201);
    // The sample files of the import page import as well.
    const file = await request(t.app).get('/api/import-example-file').query({ q: 'json' });
    expect(file.status).toBe(200);
    const importedFile = await request(t.app).post('/api/project/import').send(JSON.parse(file.text));
    expect(importedFile.body).toMatchObject({ task_count: 2 });
    // Now with tasks, the same config passes the task compatibility check.
    const valid = await request(t.app).post('/api/validate-config').type('form').send({ label_config: xml });
    expect(valid.text).toBe('');
    expect(valid.status).toBe(204);
  });
});

describe('GET|POST /api/import-example', () => {
  it.each([
    {
      name: 'a sample task in a comment wins over generated values',
      xml: '<!-- {"data": {"text": "predefined"}} --><View><Text name="text" value="$text"/><Text name="t2" value="$other"/></View>',
      body: '{"text":"predefined","other":"To have faith is to trust yourself to the water"}',
    },
    {
      name: 'values by key, by tag and the fallback',
      xml: '<View><Image name="img" value="$image"/><Header value="$title"/><Text name="f" value="$foo"/></View>',
      body: `{"image":"static/samples/sample.jpg","title":"Task header","foo":"To have faith is to trust yourself to the water"}`,
    },
    { name: 'no data keys', xml: '<View><Header value="Static"/></View>', body: '{}' },
  ])('$name (query string)', async ({ xml, body }) => {
    const res = await request(t.app).get('/api/import-example').query({ label_config: xml });
    expect(res.status).toBe(200);
    expect(res.text).toBe(body);
  });

  it.each([
    { form: 'urlencoded', send: () => request(t.app).post('/api/import-example').type('form').send({ label_config: TEXT_CONFIG }) },
    { form: 'multipart', send: () => request(t.app).post('/api/import-example').field('label_config', TEXT_CONFIG) },
    { form: 'JSON', send: () => request(t.app).post('/api/import-example').send({ label_config: TEXT_CONFIG }) },
  ])('reads a $form body', async ({ send }) => {
    const res = await send();
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ text: FAITH });
  });

  it.each([
    { name: 'malformed XML', query: { label_config: '<View><Text name="text"' } },
    { name: 'an invalid config', query: { label_config: '<View><Text name="a" value="$a"/><Text name="a" value="$b"/></View>' } },
    { name: 'an empty config', query: { label_config: '' } },
    { name: 'no config', query: {} },
  ])('400 "error while example generating" for $name', async ({ query }) => {
    const res = await request(t.app).get('/api/import-example').query(query);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ status: 400, code: 'example_failed', detail: 'error while example generating' });
  });

  it('validates against the project: a config the tasks do not fit gets no example', async () => {
    await saveConfig(TEXT_CONFIG);
    expect((await request(t.app).post('/api/project/import').send([{ text: 'a' }])).status).toBe(201);
    const res = await request(t.app).get('/api/import-example').query({ label_config: '<View><Image name="i" value="$image"/></View>' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ status: 400, code: 'example_failed', detail: 'error while example generating' });
  });
});

describe('GET /api/import-example-file', () => {
  const DISPOSITION = /^attachment; filename=sample-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}\.(json|csv|tsv|txt)$/;

  it.each([
    { q: 'csv', type: 'text/csv', body: `text\n${FAITH}\n${FAITH}\n` },
    { q: 'tsv', type: 'text/tab-separated-values', body: `text\n${FAITH}\n${FAITH}\n` },
    { q: 'txt', type: 'text/plain', body: `${FAITH}\n${FAITH}\n` },
    { q: 'json', type: 'application/json', body: JSON.stringify([{ text: FAITH }, { text: FAITH }]) },
  ])('q=$q: the sample twice, as a download', async ({ q, type, body }) => {
    await saveConfig(TEXT_CONFIG);
    const res = await request(t.app).get('/api/import-example-file').query({ q });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(`${type}; charset=utf-8`);
    expect(res.text).toBe(body);
    expect(res.headers['content-disposition']).toMatch(DISPOSITION);
    expect(res.headers['content-disposition']).toBe(`attachment; filename=${res.headers.filename}`);
    expect(res.headers.filename).toMatch(new RegExp(`\\.${q}$`));
  });

  it('q defaults to json; raw=1 drops the download headers', async () => {
    await saveConfig(TEXT_CONFIG);
    const res = await request(t.app).get('/api/import-example-file').query({ raw: '1' });
    expect(res.text).toBe(JSON.stringify([{ text: FAITH }, { text: FAITH }]));
    expect(res.headers['content-disposition']).toBeUndefined();
    expect(res.headers.filename).toBeUndefined();
  });

  it('quotes CSV cells and writes nested values as JSON', async () => {
    await saveConfig('<View><Table name="t" value="$item"/><Header value="$title"/></View>');
    const res = await request(t.app).get('/api/import-example-file').query({ q: 'csv' });
    const row = '"{""Card number"":18799210,""First name"":""Max"",""Last name"":""Nobel""}",Task header';
    expect(res.text).toBe(`item,title\n${row}\n${row}\n`);
  });

  it.each([
    { name: 'an unknown q', config: TEXT_CONFIG, q: 'bogus', detail: 'Incorrect format ("q") in request: "bogus"; use one of json, csv, tsv, txt' },
    { name: 'txt with several data keys', config: '<View><Text name="a" value="$a"/><Text name="b" value="$b"/></View>', q: 'txt', detail: 'TXT is unsupported for projects with multiple sources in config' },
    { name: 'txt without data keys', config: '<View><Header value="x"/></View>', q: 'txt', detail: 'No data keys in config' },
    { name: 'txt with a non-text value', config: '<View><Table name="t" value="$item"/></View>', q: 'txt', detail: 'TXT is unsupported for "item": its value is of type "object", not a text line' },
  ])('400 for $name', async ({ config, q, detail }) => {
    await saveConfig(config);
    const res = await request(t.app).get('/api/import-example-file').query({ q });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ status: 400, code: 'example_failed', detail });
  });

  it('400 "error while example generating" when the saved config does not parse', async () => {
    // A config.xml written by hand into the project folder is read as it is.
    const broken = await makeTestApp({}, async (dir) => {
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'config.json'), '{}');
      await writeFile(join(dir, 'config.xml'), '<View><Text');
    });
    const res = await request(broken.app).get('/api/import-example-file');
    await broken.close();
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ status: 400, code: 'example_failed', detail: 'error while example generating' });
  });
});

describe('GET /samples/time-series.csv', () => {
  it('a CSV with a header of the time and value columns, 100 rows, shown inline', async () => {
    const res = await request(t.app).get('/samples/time-series.csv').query({ time: 'time', values: 'a,b', tf: '%Y-%m-%d' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('inline; filename=time-series.csv');
    const lines = res.text.trimEnd().split('\n');
    expect(lines).toHaveLength(101);
    expect(lines[0]).toBe('time,a,b');
    expect(lines[1]).toMatch(/^2020-01-01,-?\d[\d.e-]*,-?\d[\d.e-]*$/);
  });

  it('a headless CSV when the columns are positions', async () => {
    const res = await request(t.app).get('/samples/time-series.csv').query({ time: '0', values: '1,2' });
    const lines = res.text.trimEnd().split('\n');
    expect(lines).toHaveLength(100);
    expect(lines[0]).toMatch(/^0,-?\d[\d.e-]*,-?\d[\d.e-]*$/);
  });

  it('serves what a generated TimeSeries task points at', async () => {
    const xml = '<View><TimeSeries name="ts" value="$csv" valueType="url" timeColumn="time" sep=","><Channel column="velocity"/></TimeSeries></View>';
    const example = await request(t.app).get('/api/import-example').query({ label_config: xml });
    const res = await request(t.app).get(example.body.csv as string);
    expect(res.status).toBe(200);
    expect(res.text.split('\n')[0]).toBe('time,velocity');
  });
});
