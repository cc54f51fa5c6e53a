// Hostile configs and queries cost time and memory in proportion to their size, no more:
// no quadratic scans, no answers many times larger than the request.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import request from 'supertest';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { labelConfigLine } from '../../src/labelConfig/parse.ts';
import { predefinedData } from '../../src/labelConfig/exampleTask.ts';
import { stripComments } from '../../src/labelConfig/xml.ts';

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
});
afterEach(async () => {
  await t.close();
});

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await f();
  return [value, performance.now() - start];
}

describe('hostile label configs', () => {
  it('a config of 200,000 unclosed comments is refused quickly (the comment scan was quadratic)', async () => {
    const [res, ms] = await timed(() => request(t.app).post('/api/validate-config').type('form').send({ label_config: '<!--'.repeat(200_000) }));
    expect(res.status).toBe(400);
    expect(res.body.label_config).toHaveLength(1);
    expect(ms).toBeLessThan(2000);
  });

  it('comment markers inside CDATA do not make a valid config slow', async () => {
    const xml = `<View><Text name="text" value="$text"/><Style><![CDATA[${'<!--{'.repeat(150_000)}]]></Style></View>`;
    const [res, ms] = await timed(() => request(t.app).post('/api/validate-config').type('form').send({ label_config: xml }));
    expect(res.status).toBe(204);
    expect(ms).toBeLessThan(2000);
    const start = performance.now();
    expect(predefinedData(xml)).toBeUndefined();
    expect(labelConfigLine(xml)).toBe(xml);
    expect(performance.now() - start).toBeLessThan(500);
  });

  it('keeps error messages short when the parser would quote the whole config', async () => {
    for (const xml of ['<a>'.repeat(250_000), `<View>${'<Text name="a" value="$a"/>'.repeat(30_000)}</View>`]) {
      const res = await request(t.app).post('/api/validate-config').type('form').send({ label_config: xml });
      expect(res.status).toBe(400);
      expect(res.body.label_config[0].length).toBeLessThanOrEqual(1003);
      expect(res.body.label_config[0].endsWith('...')).toBe(true);
    }
  });

  it('strips closed comments and keeps an unclosed one as text', () => {
    expect(stripComments('<View><!-- a --><Text/><!-- b -->x<!-- open')).toBe('<View><Text/>x<!-- open');
  });

  it('an example for thousands of TimeSeries channels stays small', async () => {
    const channels = Array.from({ length: 20_000 }, (_, i) => `<Channel column="c${i}"/>`).join('');
    const xml = `<View><TimeSeries name="ts" value="$ts" timeColumn="time">${channels}</TimeSeries></View>`;
    const res = await request(t.app).post('/api/import-example').type('form').send({ label_config: xml });
    expect(res.status).toBe(200);
    const data = JSON.parse(res.text);
    expect(Object.keys(data.ts)).toHaveLength(101); // time + the first 100 channels
    expect(res.text.length).toBeLessThan(1_000_000);
  });
});

describe('/samples/time-series.csv query limits', () => {
  it('refuses a long separator instead of repeating it on every line', async () => {
    const values = Array.from({ length: 100 }, (_, i) => `c${i}`).join(',');
    const res = await request(t.app).get('/samples/time-series.csv').query({ values, sep: 'x'.repeat(15_000) });
    expect(res.status).toBe(400);
    expect(res.body.detail).toBe('sep must be comma, dot, tab, space or at most 3 characters');
  });

  it('takes the aliases and a short literal, and no inherited key as an alias', async () => {
    const tab = await request(t.app).get('/samples/time-series.csv').query({ time: 't', values: 'a,b', sep: 'tab' });
    expect(tab.text.split('\n')[0]).toBe('t\ta\tb');
    const semi = await request(t.app).get('/samples/time-series.csv').query({ time: 't', values: 'a,b', sep: ';' });
    expect(semi.text.split('\n')[0]).toBe('t;a;b');
    const proto = await request(t.app).get('/samples/time-series.csv').query({ time: 't', values: 'a,b', sep: 'constructor' });
    expect(proto.status).toBe(400);
  });
});
