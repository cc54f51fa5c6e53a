// Every route, with odd queries and bodies under every method: nothing answers 5xx.
import { it, expect } from 'vitest';
import request from 'supertest';
import { makeTestApp } from '../helpers/app.ts';
it('answers odd requests on every route with less than 500', async () => {
  const t = await makeTestApp();
  await request(t.app).post('/api/project/import').send([{ text: 'a' }, { text: 'b' }]);
  await request(t.app).post('/api/tasks/0/completions').send({ result: [] });
  const paths = ['/api/project', '/api/project/config', '/api/validate-config', '/api/project/import', '/api/tasks', '/api/tasks/0', '/api/tasks/0/completions', '/api/tasks/0/completions/1', '/api/completions', '/api/project/next', '/api/project/export', '/api/project/export/formats', '/api/import-example', '/api/import-example-file', '/samples/time-series.csv', '/data/upload/x', '/version', '/api/health'];
  const qs = ['', '?page=abc', '?page[]=1', '?format[x]=1', '?format=JSON&zip=2', '?q=zz', '?order=%00', '?fields=__proto__', '?dedupe=1&dedupe=2', '?sampling=x', '?label_config=<View>', '?time=a&values=b&sep=%', '?pretty=1', '?was_cancelled[]=1'];
  const bodies: [string, string][] = [['application/json', '{"__proto__": {"x": 1}}'], ['application/json', '[1,2'], ['application/json', '"str"'], ['application/json', '{"label_config": 5}'], ['application/json', '{"data": {"text": {"a": 1}}}'], ['application/xml', '<View><'], ['text/plain', 'hello'], ['application/x-www-form-urlencoded', 'label_config=%ZZ&url=ftp://x'], ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--'], ['application/json', '{"id": "7", "result": "x"}'], ['application/json', 'null'], ['application/json', '{"sampling": "uniform", "title": 5}']];
  const bad: string[] = [];
  for (const p of paths) for (const q of qs) for (const m of ['get', 'post', 'patch', 'delete', 'put'] as const) {
    const list = m === 'get' || m === 'delete' ? [[undefined, undefined]] : bodies;
    for (const [type, body] of list) {
      let r = request(t.app)[m](p + q);
      if (type) r = r.set('Content-Type', type).send(body);
      const res = await r;
      if (res.status >= 500) bad.push(`${m} ${p}${q} ${type} ${body} -> ${res.status} ${res.text.slice(0, 100)}`);
    }
  }
  expect(bad).toEqual([]);
  await t.close();
}, 120000);
