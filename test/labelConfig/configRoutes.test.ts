// POST /api/validate-config and POST /api/project/config over HTTP: body forms, 0.8's
// statuses and bodies, the compatibility rules against real imported tasks and
// completions, atomic saves, and hostile configs refused fast.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { CONFIG_BODY_LIMIT } from '../../src/http/requestBody.ts';
import { BILLION_LAUGHS, shippedConfig } from './fixtures.ts';

const SENTIMENT = `<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text" choice="single">
    <Choice value="Positive"/>
    <Choice value="Negative"/>
    <Choice value="Neutral"/>
  </Choices>
</View>`;
const TASKS = 'You have already imported tasks and they are incompatible with a new config. ';
const COMPLETIONS = "You've already completed some tasks, but some of them couldn't be loaded with this config: ";

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
});
afterEach(async () => {
  await t.close();
});

const saveConfig = (xml: string) => request(t.app).post('/api/project/config').type('form').send({ label_config: xml });
const validate = (xml: string) => request(t.app).post('/api/validate-config').type('form').send({ label_config: xml });
const projectFiles = async () => ({
  xml: await readFile(join(t.dir, 'config.xml'), 'utf8'),
  json: await readFile(join(t.dir, 'config.json'), 'utf8'),
});

async function importTasks(tasks: unknown[]): Promise<void> {
  const res = await request(t.app).post('/api/project/import').send(tasks);
  expect(res.body).toMatchObject({ task_count: tasks.length });
  expect(res.status).toBe(201);
}

describe('POST /api/validate-config', () => {
  const VALID = '<View><Text name="t" value="$t"/><Labels name="l" toName="t"><Label value="a"/></Labels></View>';
  const DUPLICATE = '<View><Text name="t" value="$t"/><Text name="t" value="$u"/></View>';
  const DUPLICATE_MESSAGE = { status: 400, code: 'invalid_label_config', label_config: ['Label config contains non-unique names ["t","t"]'] };

  it.each([
    { form: 'urlencoded field', send: (xml: string) => request(t.app).post('/api/validate-config').type('form').send({ label_config: xml, edit_count: '2' }) },
    { form: 'multipart field', send: (xml: string) => request(t.app).post('/api/validate-config').field('label_config', xml) },
    { form: 'JSON body', send: (xml: string) => request(t.app).post('/api/validate-config').send({ label_config: xml }) },
    { form: 'application/xml body', send: (xml: string) => request(t.app).post('/api/validate-config').set('Content-Type', 'application/xml').send(xml) },
    { form: 'curl --data @config.xml', send: (xml: string) => request(t.app).post('/api/validate-config').set('Content-Type', 'application/x-www-form-urlencoded').send(xml) },
  ])('reads a $form: 204 when valid, 400 {"label_config": [...]} when not', async ({ send }) => {
    const ok = await send(VALID);
    expect(ok.status).toBe(204);
    expect(ok.text).toBe('');
    const bad = await send(DUPLICATE);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject(DUPLICATE_MESSAGE);
  });

  it.each([
    { name: 'form without the field', send: () => request(t.app).post('/api/validate-config').type('form').send({ x: 'y' }) },
    { name: 'no body', send: () => request(t.app).post('/api/validate-config') },
    { name: 'JSON without the key', send: () => request(t.app).post('/api/validate-config').send({}) },
  ])('417 "No label_config in POST" for a $name', async ({ send }) => {
    const res = await send();
    expect(res.status).toBe(417);
    expect(res.body).toEqual({ status: 417, code: 'no_label_config_in_post', detail: 'No label_config in POST' });
  });

  it('400 "can only parse strings" for a JSON value that is no string', async () => {
    const res = await request(t.app).post('/api/validate-config').send({ label_config: ['<View/>'] });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ status: 400, code: 'invalid_label_config', label_config: ['can only parse strings'] });
  });

  it('answers with the message of the spec example', async () => {
    const res = await validate('<View><Text name="text" value="$text"/><Choices name="c" toName="txt"><Choice value="A"/><Choice value="B"/></Choices></View>');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ status: 400, code: 'invalid_label_config', label_config: ['toName="txt" not found in names: ["c","text"]'] });
  });
});

describe('hostile configs are refused quickly', () => {
  it.each([
    { route: '/api/validate-config' },
    { route: '/api/project/config' },
  ])('a billion laughs on $route', async ({ route }) => {
    const before = await projectFiles();
    const started = performance.now();
    const res = await request(t.app).post(route).type('form').send({ label_config: BILLION_LAUGHS });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ status: 400, code: 'invalid_label_config', label_config: ['DOCTYPE and ENTITY declarations are not allowed in a label config'] });
    expect(await projectFiles()).toEqual(before);
  });

  it.each([
    { route: '/api/validate-config', type: 'application/xml' },
    { route: '/api/project/config', type: 'application/xml' },
    { route: '/api/project/config', type: 'application/json' },
  ])('a 50 MB config on $route ($type) is refused with 413 before it is read', async ({ route, type }) => {
    const before = await projectFiles();
    const xml = `<View><Text name="t" value="$t"/><Header value="${'x'.repeat(50 * 1024 * 1024)}"/></View>`;
    const body = type === 'application/json' ? JSON.stringify({ label_config: xml }) : xml;
    const started = performance.now();
    const res = await request(t.app).post(route).set('Content-Type', type).send(body);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ status: 413, code: 'config_body_too_large', detail: `A label config request may be at most ${CONFIG_BODY_LIMIT} bytes (the config itself at most 1048576); this one is ${body.length} bytes` });
    expect(await projectFiles()).toEqual(before);
  });
});

describe('POST /api/project/config', () => {
  it('writes config.xml and config.json together; GET /api/project shows the new config', async () => {
    const xml = '<View>\r\n  <Image name="img" value="$image"/>\r\n  <Header value="$title"/>\r\n</View>';
    const res = await saveConfig(xml);
    expect(res.status).toBe(201);
    expect(res.text).toBe('');
    const files = await projectFiles();
    expect(files.xml).toBe(xml.replace(/\r\n/g, '\n'));
    expect(JSON.parse(files.json)).toMatchObject({ label_config_updated: true });
    const project = await request(t.app).get('/api/project');
    expect(project.body).toMatchObject({ data_types: { image: 'Image', title: 'Header' }, label_config_line: '<View>  <Image name="img" value="$image"/>  <Header value="$title"/></View>' });
  });

  it('a rejected config changes nothing, in memory or on disk', async () => {
    await saveConfig(SENTIMENT);
    const before = await projectFiles();
    const res = await saveConfig('<View><Text name="a" value="$a"/><Text name="a" value="$b"/></View>');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ status: 400, code: 'invalid_label_config', label_config: ['Label config contains non-unique names ["a","a"]'] });
    expect(await projectFiles()).toEqual(before);
    expect((await t.project.store.config()).labelConfig).toBe(SENTIMENT);
  });
});

describe('compatibility with imported tasks, over HTTP', () => {
  beforeEach(async () => {
    expect((await saveConfig(SENTIMENT)).status).toBe(201);
    await importTasks([{ text: 'I love it' }, { data: { text: 'Meh', ref: 3 } }]);
  });

  // 0.8 saved this (only objects a control points at were checked), then answered 500 to
  // every read of a stored task: the config must be refused instead.
  it('refuses a Header reading a key the tasks lack, and the tasks stay readable', async () => {
    const xml = SENTIMENT.replace('<Text name="text" value="$text"/>', '<Header value="$title"/>\n  <Text name="text" value="$text"/>');
    for (const res of [await validate(xml), await saveConfig(xml)]) {
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ status: 400, code: 'invalid_label_config', label_config: [`${TASKS}You've specified value=$title, but imported tasks contain only keys: ["text"]`] });
    }
    const tasks = await request(t.app).get('/api/tasks');
    expect(tasks.status).toBe(200);
    expect((await t.project.store.config()).labelConfig).toBe(SENTIMENT);
  });

  it('refuses a key type the stored values do not have, naming the task', async () => {
    const xml = '<View><Paragraphs name="text" value="$text"/><TextArea name="a" toName="text"/></View>';
    const res = await saveConfig(xml);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ status: 400, code: 'invalid_label_config', label_config: [`${TASKS}Task 0: data["text"]="I love it" is of type "string", but types "array" are expected`] });
  });

  it('accepts a config that reads only keys every task has', async () => {
    const res = await saveConfig('<View><HyperText name="text" value="$text"/><TextArea name="a" toName="text"/></View>');
    expect(res.status).toBe(201);
  });
});

describe('compatibility with existing completions, over HTTP', () => {
  beforeEach(async () => {
    expect((await saveConfig(SENTIMENT)).status).toBe(201);
    const result = [{ id: 'r1', from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: ['Positive'] } }];
    await importTasks([{ data: { text: 'I love it' }, completions: [{ result }] }]);
  });

  it.each([
    { rule: 'the control keeps its name', xml: SENTIMENT.replace('name="sentiment"', 'name="mood"'), error: `${COMPLETIONS}name=sentiment, toName=text, type=choices are expected` },
    {
      rule: 'the control keeps its type',
      xml: '<View><Text name="text" value="$text"/><Labels name="sentiment" toName="text"><Label value="Positive"/></Labels></View>',
      error: `${COMPLETIONS}name=sentiment, toName=text, type=choices are expected`,
    },
    {
      rule: 'the control keeps its first target',
      xml: SENTIMENT.replace('toName="text"', 'toName="other"').replace('</View>', '<Text name="other" value="$text"/></View>'),
      error: `${COMPLETIONS}name=sentiment, toName=text, type=choices are expected`,
    },
    { rule: 'a used label stays', xml: SENTIMENT.replace('<Choice value="Positive"/>', ''), error: `${COMPLETIONS}there are labels already created for "sentiment":\n["Positive"]` },
  ])('refuses a change breaking the rule "$rule"', async ({ xml, error }) => {
    const res = await saveConfig(xml);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ status: 400, code: 'invalid_label_config', label_config: [error] });
  });

  it.each([
    { change: 'a used label renamed, its text kept as alias', xml: SENTIMENT.replace('<Choice value="Positive"/>', '<Choice value="Good" alias="Positive"/>') },
    { change: 'labels and controls added', xml: SENTIMENT.replace('</View>', '<TextArea name="note" toName="text"/></View>').replace('<Choice value="Neutral"/>', '<Choice value="Neutral"/><Choice value="Mixed"/>') },
    { change: 'an unused label removed', xml: SENTIMENT.replace('<Choice value="Neutral"/>', '') },
  ])('accepts $change', async ({ xml }) => {
    const res = await saveConfig(xml);
    expect(res.status).toBe(201);
    expect((await t.project.store.config()).labelConfig).toBe(xml);
  });
});

describe('a labeled text_taxonomy project', () => {
  // Its Taxonomy has name="", so results carry from_name "" and lists of label paths
  // (0.8 refused every later config save, and crashed on the lists: Q-C7).
  it('accepts saving its config again, and refuses dropping the Taxonomy', async () => {
    const xml = shippedConfig('text_taxonomy');
    expect((await saveConfig(xml)).status).toBe(201);
    const result = [{ id: 'r1', from_name: '', to_name: 'text', type: 'taxonomy', value: { taxonomy: [['Eukarya', 'Human']] } }];
    await importTasks([{ data: { text: 'We are here' }, completions: [{ result }] }]);
    const again = await saveConfig(xml);
    expect(again.status).toBe(201);
    const dropped = await saveConfig('<View><Text name="text" value="$text"/></View>');
    expect(dropped.status).toBe(400);
    expect(dropped.body).toMatchObject({ status: 400, code: 'invalid_label_config', label_config: [`${COMPLETIONS}name=, toName=text, type=taxonomy are expected`] });
  });
});
