// Keys every object inherits ("constructor", "toString") are not task data, and a key
// named "__proto__" (a CSV column, a JSON file's key) is data like any other: kept as an
// own key, never turned into the object's prototype.
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { placeUndefinedKey, validateImportItems } from '../../src/importers/validateTasks.ts';
import { checkTaskData } from '../../src/labelConfig/taskRules.ts';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { CONFIGS, setConfig, storedTasks } from './support.ts';

describe('presence of a data key', () => {
  it.each([
    { key: 'constructor', tag: 'Table' },
    { key: 'toString', tag: 'Text' },
    { key: 'hasOwnProperty', tag: 'Text' },
  ])('a task without "$key" lacks it, whatever Object.prototype holds', ({ key, tag }) => {
    expect(checkTaskData({ other: 1 }, { [key]: tag })).toBe(`"${key}" key is expected in task data`);
  });

  it('"$undefined$" is moved only when the task has it', () => {
    const data = Object.create({ $undefined$: 'inherited' }) as Record<string, never>;
    expect(placeUndefinedKey(data, { text: 'Text' })).toBe(data);
  });

  it('"data" and "result" count only as the item\'s own keys', () => {
    const wrapped = Object.create({ data: { text: 'x' } }) as object;
    expect(validateImportItems([wrapped], { dataTypes: { text: 'Text' }, maxDataKeys: 1000 }).errors).toEqual([
      'Error at item 0: "text" key is expected in task data [assume: item as is = task root with values]  :: {}',
    ]);
    const completion = Object.create({ result: [] }) as object;
    expect(validateImportItems([{ data: { text: 'x' }, completions: [completion] }], { dataTypes: { text: 'Text' }, maxDataKeys: 1000 }).errors).toEqual([
      'Error at item 0: Completion must have "result" fields :: {"data":{"text":"x"},"completions":[{}]}',
    ]);
  });
});

describe('through the import route', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  it('a config reading $constructor refuses a task without it', async () => {
    await setConfig(t, '<View><Table name="tbl" value="$constructor"/></View>');
    const res = await request(t.app).post('/api/project/import').send([{ other: 1 }]);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual(['Error at item 0: "constructor" key is expected in task data [assume: item as is = task root with values]  :: {"other":1}']);
  });

  it('a "__proto__" CSV column is kept as data', async () => {
    await setConfig(t, CONFIGS.text);
    const res = await request(t.app).post('/api/project/import').attach('file', Buffer.from('text,__proto__\nhello,world\nbye,7\n'), 'a.csv');
    expect(res.status, res.text).toBe(201);
    expect((await storedTasks(t)).map((task) => Object.entries(task.data))).toEqual([
      [['text', 'hello'], ['__proto__', 'world']],
      [['text', 'bye'], ['__proto__', '7']],
    ]);
    expect((await storedTasks(t)).every((task) => Object.getPrototypeOf(task.data) === Object.prototype)).toBe(true);
    const served = await request(t.app).get('/api/tasks/0');
    expect(served.text).toContain('"__proto__":"world"');
  });

  it('a "__proto__" key in a JSON file\'s array item is kept as data, and does not supply other keys', async () => {
    await setConfig(t, CONFIGS.text);
    const ok = await request(t.app)
      .post('/api/project/import')
      .attach('t.json', Buffer.from('[{"text": "a", "__proto__": {"x": 1}}]'), 't.json');
    expect(ok.status, ok.text).toBe(201);
    expect(Object.entries((await storedTasks(t))[0]!.data)).toEqual([
      ['text', 'a'],
      ['__proto__', { x: 1 }],
    ]);
    const bad = await request(t.app)
      .post('/api/project/import')
      .attach('t.json', Buffer.from('[{"__proto__": {"text": "x"}}, {"data": {"text": "y"}, "completions": [{"__proto__": {"result": []}}]}]'), 't.json');
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([
      'Error at item 0: "text" key is expected in task data [assume: item as is = task root with values]  :: {"__proto__":{"text":"x"}}',
      'Error at item 1: Completion must have "result" fields :: {"data":{"text":"y"},"completions":[{"__proto__":{"result":[]}}]}',
    ]);
  });
});
