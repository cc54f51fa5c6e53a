// Hostile and broken requests across the API: each is a 4xx with a JSON detail, never a
// 5xx, and leaves tasks, counts, completions and the project's files as they were.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import request from 'supertest';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { choiceCompletion, expectRejected, importTexts, type BadCase } from './support.ts';

const deepArray = (n: number) => '['.repeat(n) + ']'.repeat(n);
const TOO_DEEP = { status: 400, detail: 'JSON body is nested deeper than 100 levels' };

describe('bad input anywhere changes nothing', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp();
    await importTexts(t.app, ['a', 'b', 'c']);
    await request(t.app).post('/api/tasks/0/completions').send(choiceCompletion('Positive')).expect(201);
  });
  afterEach(async () => {
    await t.close();
  });

  it('JSON nested thousands deep is refused before it reaches the store', async () => {
    const rows: BadCase[] = [];
    for (const depth of [101, 5000, 100000]) {
      rows.push(
        { method: 'post', path: '/api/tasks/1/completions', body: `{"result":${deepArray(depth - 1)}}`, status: 400, expected: TOO_DEEP },
        { method: 'post', path: '/api/project/import', body: `[{"text":"x","deep":${deepArray(depth - 2)}}]`, status: 400, expected: TOO_DEEP },
        { method: 'patch', path: '/api/tasks/1', body: `{"data":{"text":"x","deep":${deepArray(depth - 2)}}}`, status: 400, expected: TOO_DEEP },
        { method: 'post', path: '/api/tasks/9', body: `{"data":{"text":"x","deep":${deepArray(depth - 2)}}}`, status: 400, expected: TOO_DEEP },
        { method: 'patch', path: '/api/tasks/0/completions/1', body: `{"result":${deepArray(depth - 1)}}`, status: 400, expected: TOO_DEEP },
        { method: 'patch', path: '/api/project', body: `{"title":${deepArray(depth - 1)}}`, status: 400, expected: TOO_DEEP },
      );
    }
    await expectRejected(t, rows);
    // 100 levels are fine: body, result, region, value, then 96 levels of arrays.
    const region = `{"from_name":"sentiment","to_name":"text","type":"choices","value":{"choices":["Positive"],"deep":${deepArray(96)}}}`;
    const ok = await request(t.app).post('/api/tasks/1/completions').set('Content-Type', 'application/json').send(`{"result":[${region}]}`);
    expect(ok.status).toBe(201);
    expect((await request(t.app).get('/api/tasks/1')).status).toBe(200);
  });

  it('broken multipart, encodings, charsets and paths are 4xx', async () => {
    await expectRejected(t, [
      {
        method: 'post',
        path: '/api/project/config',
        body: 'garbage',
        type: 'multipart/form-data; boundary=xyz',
        status: 400,
        expected: { status: 400, detail: 'Bad multipart request: Unexpected end of form' },
      },
      {
        method: 'post',
        path: '/api/project/config',
        body: 'garbage',
        type: 'multipart/form-data',
        status: 400,
        expected: { status: 400, detail: 'Bad multipart request: Multipart: Boundary not found' },
      },
      {
        method: 'post',
        path: '/api/validate-config',
        body: '--xyz\r\nContent-Disposition: form-data; name="label_config"\r\n\r\n<View',
        type: 'multipart/form-data; boundary=xyz',
        status: 400,
        expected: { status: 400, detail: 'Bad multipart request: Unexpected end of form' },
      },
      {
        method: 'post',
        path: '/api/tasks/1/completions',
        body: '{"result":[]}',
        type: 'application/json; charset=latin1',
        status: 415,
        expected: { status: 415, detail: 'unsupported charset "LATIN1"' },
      },
      {
        method: 'post',
        path: '/api/tasks/1/completions',
        body: '{"result":[]}',
        headers: { 'Content-Encoding': 'gzip' },
        status: 400,
        expected: { status: 400, detail: 'incorrect header check' },
      },
      {
        method: 'post',
        path: '/api/tasks/1/completions',
        body: '{"result":[]}',
        headers: { 'Content-Encoding': 'br2' },
        status: 415,
        expected: { status: 415, detail: 'unsupported content encoding "br2"' },
      },
      { method: 'get', path: '/api/tasks/%E0', status: 400, expected: { status: 400, detail: "Failed to decode param '%E0'" } },
      { method: 'delete', path: '/api/tasks/%E0/completions', status: 400, expected: { status: 400, detail: "Failed to decode param '%E0'" } },
      { method: 'post', path: '/api/tasks/1/completions', body: '\u0000', status: 400 },
      // An empty JSON body reads as {}: a completion without a result.
      { method: 'post', path: '/api/tasks/1/completions', body: '', status: 400, expected: { status: 400, detail: '"result" must be a list' } },
    ]);
  });

  it('the same query parameter twice is handled', async () => {
    const list = await request(t.app).get('/api/tasks?fields=id&fields=data');
    expect(list.status).toBe(200);
    expect(list.body).toHaveLength(3);
    const next = await request(t.app).get('/api/project/next?annotator=a&annotator=b');
    expect(next.status).toBe(200);
    expect(next.body).toEqual({ id: 1, data: { text: 'b' } });
  });
});
