// Mistakes get help (issue "Full disks, hostile clients, and the first ten minutes"): the
// usual slips of a first session get a 4xx that says what to do instead, and change nothing.
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { choiceResult, expectRejected, importTexts, snapshot, expectUnchanged } from './support.ts';

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
  await importTexts(t.app, ['first', 'second']);
});
afterEach(async () => {
  await t.close();
});

describe('JSON sent as a form', () => {
  it('an import whose form body is JSON is told to send Content-Type: application/json', async () => {
    for (const body of ['[{"text": "a"}]', '{"text": "a=b"}', '  [{"text": "a"}, {"text": "b"}]']) {
      await expectRejected(t, [
        {
          name: `curl -d '${body}'`,
          method: 'post',
          path: '/api/project/import',
          body,
          type: 'application/x-www-form-urlencoded',
          status: 415,
          code: 'wrong_content_type',
          expected: { detail: expect.stringContaining("send it with Content-Type: application/json (curl -H 'Content-Type: application/json' -d ...)") },
        },
      ]);
    }
  });

  it('a real form without url still says there is no data', async () => {
    await expectRejected(t, [
      { method: 'post', path: '/api/project/import', body: 'other=1', type: 'application/x-www-form-urlencoded', status: 400, code: 'import_failed', expected: ['load_tasks: No data found in DATA or in FILES'] },
    ]);
  });
});

describe('unknown tags in a config', () => {
  it.each([
    ['<View><Txt name="t" value="$text"/></View>', 'Unknown tag <Txt>; did you mean <Text>?'],
    ['<view><Text name="text" value="$text"/></view>', 'Unknown tag <view>; did you mean <View>? (tag names are case-sensitive)'],
    ['<View><Text name="text" value="$text"/><Choises name="c" toName="text"><Choice value="a"/></Choises></View>', 'Unknown tag <Choises>; did you mean <Choices>?'],
  ])('%s is refused with the nearest known name', async (xml, message) => {
    for (const path of ['/api/project/config', '/api/validate-config']) {
      await expectRejected(t, [{ method: 'post', path, body: xml, type: 'application/xml', status: 400, code: 'invalid_label_config', expected: { detail: message, label_config: [message] } }]);
    }
  });
});

const region = (over: Record<string, unknown>) => ({ ...choiceResult('Positive'), ...over });

describe('a completion that names what the config lacks', () => {
  it.each([
    { field: 'from_name', result: region({ from_name: 'sentimnt' }), message: 'result[0].from_name "sentimnt" is not a control of the labeling config; its controls are "sentiment"' },
    { field: 'to_name', result: region({ to_name: 'txt' }), message: 'result[0].to_name "txt" is not what control "sentiment" labels ("text")' },
    { field: 'type', result: region({ type: 'labels' }), message: 'result[0].type "labels" does not match control "sentiment": a <Choices> gives type "choices"' },
    { field: 'a label', result: region({ value: { choices: ['Positiv'] } }), message: 'result[0].value.choices has "Positiv", which is not a label of control "sentiment"' },
    { field: 'a missing from_name', result: { to_name: 'text', type: 'choices', value: { choices: ['Positive'] } }, message: 'result[0].from_name must name a control of the labeling config ("sentiment")' },
    { field: 'a region that is no object', result: 'Positive', message: 'result[0] must be an object with from_name, to_name and type' },
  ])('is a 400 naming $field, on create and update, and changes nothing', async ({ result, message }) => {
    const saved = await request(t.app).post('/api/tasks/0/completions').send({ result: [choiceResult('Negative')] });
    expect(saved.status).toBe(201);
    const id = saved.body.id as number;
    await expectRejected(t, [
      { method: 'post', path: '/api/tasks/1/completions', body: { result: [result] }, status: 400, code: 'invalid_completion', expected: { detail: message } },
      { method: 'post', path: '/api/tasks/0/completions', body: { result: [choiceResult('Neutral'), result] }, status: 400, code: 'invalid_completion', expected: { detail: message.replace('result[0]', 'result[1]') } },
      { method: 'patch', path: `/api/tasks/0/completions/${id}`, body: { result: [result] }, status: 400, code: 'invalid_completion', expected: { detail: message } },
    ]);
  });

  it('an import with such a completion is refused per item', async () => {
    await expectRejected(t, [
      {
        method: 'post',
        path: '/api/project/import',
        body: [{ data: { text: 'x' }, completions: [{ result: [region({ from_name: 'mood' })] }] }],
        status: 400,
        code: 'import_failed',
        expected: [`Error at item 0: completions[0].result[0].from_name "mood" is not a control of the labeling config; its controls are "sentiment" :: {"data":{"text":"x"},"completions":[{"result":[{"id":"r1","from_name":"mood","to_name":"text","type":"choices","value":{"choices":["Positive"]}}]}]}`],
      },
    ]);
  });

  it('relations and valid regions pass, and the config can still change afterwards', async () => {
    const relation = { from_id: 'a', to_id: 'b', type: 'relation', direction: 'right' };
    await request(t.app).post('/api/tasks/0/completions').send({ result: [choiceResult('Positive'), relation] }).expect(201);
    // The stray results 0.8 stored blocked this change; valid ones do not.
    const grown = '<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text"><Choice value="Positive"/><Choice value="Negative"/><Choice value="Neutral"/><Choice value="Mixed"/></Choices></View>';
    await request(t.app).post('/api/project/config').type('application/xml').send(grown).expect(201);
  });
});

describe('too many data keys in one task (MAX_DATA_KEYS)', () => {
  const wide = (n: number) => Object.fromEntries([['text', 'x'], ...Array.from({ length: n - 1 }, (_, i) => [`k${i}`, i])]);

  it('a task with more keys than the limit is refused on import and on edit; at the limit it is stored', async () => {
    await expectRejected(t, [
      { method: 'post', path: '/api/project/import', body: [wide(1001)], status: 400, code: 'import_failed', expected: [expect.stringMatching(/^Error at item 0: task data has more than 1000 keys; a task may have at most 1000 \(MAX_DATA_KEYS\)/)] },
      { method: 'patch', path: '/api/tasks/0', body: { data: wide(1001) }, status: 400, code: 'invalid_task', expected: { detail: 'task data has more than 1000 keys; a task may have at most 1000 (MAX_DATA_KEYS)' } },
      { method: 'post', path: '/api/tasks/7', body: { data: wide(1001) }, status: 400, code: 'invalid_task' },
    ]);
    await request(t.app).post('/api/project/import').send([wide(1000)]).expect(201);
  });

  it('a CSV with a 1,000,000-column header is refused at its header, quickly', async () => {
    const header = ['text', ...Array.from({ length: 999_999 }, (_, i) => `c${i}`)].join(',');
    const csv = `${header}\n${'1,'.repeat(999_999)}1\n`;
    const before = await snapshot(t);
    const started = performance.now();
    const res = await request(t.app).post('/api/project/import').attach('file', Buffer.from(csv), 'wide.csv');
    const ms = performance.now() - started;
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual(['Failed to parse input file wide.csv: the header has more than 1000 columns; a task may have at most 1000 data keys (MAX_DATA_KEYS)']);
    expect(ms).toBeLessThan(2000); // 10 s to import before, then every config check walked the keys
    await expectUnchanged(t, before, 'wide CSV');
  });

  it('config checks stay fast however many distinct keys the tasks have together', async () => {
    // 300 tasks of 1,000 keys each, no two tasks sharing a key but "text": 300,000 keys.
    const tasks = Array.from({ length: 300 }, (_, n) => Object.fromEntries([['text', `t${n}`], ...Array.from({ length: 999 }, (_, i) => [`k${n}_${i}`, i])]));
    for (let i = 0; i < tasks.length; i += 100) await request(t.app).post('/api/project/import').send(tasks.slice(i, i + 100)).expect(201);
    const xml = '<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text"><Choice value="Positive"/><Choice value="Negative"/><Choice value="Neutral"/></Choices></View>';
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      await request(t.app).post('/api/validate-config').type('application/xml').send(xml).expect(204);
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    expect(times[2], 'median validate-config (ms)').toBeLessThan(100);
    // And the keys the tasks share are still found: $k0_0 is not one of them.
    const bad = await request(t.app).post('/api/validate-config').type('application/xml').send('<View><Text name="text" value="$k0_0"/></View>');
    expect(bad.status).toBe(400);
    expect(bad.body.label_config[0]).toMatch(/imported tasks contain only keys: \["text"\]$/);
  });
});
