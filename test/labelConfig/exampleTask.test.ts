// Example task generation (spec config-and-import §3.1, §3.2) and the sample time series (§3.5).
import { describe, expect, it } from 'vitest';
import { exampleData, importExampleData, predefinedData, type ExampleMode } from '../../src/labelConfig/exampleTask.ts';
import { parseXmlTree } from '../../src/labelConfig/xml.ts';
import { normal, sampleTimes, strftime, timeSeriesCsv } from '../../src/labelConfig/timeSeries.ts';
import { shippedConfig } from './fixtures.ts';

const FAITH = 'To have faith is to trust yourself to the water';
const generate = (xml: string, mode: ExampleMode = 'upload') => exampleData(parseXmlTree(xml), mode, () => 0.5);

describe('exampleData', () => {
  it.each([
    {
      name: 'the spec example: key-specific, by tag, fallback',
      xml: '<View><Image name="img" value="$image"/><Header value="$title"/><Video name="v" value="$video"/><Foo name="f" value="$foo"/></View>',
      data: { image: 'static/samples/sample.jpg', title: 'Task header', video: "<video src='static/samples/opossum_snow.mp4' width=100% controls>", foo: 'Something' },
    },
    { name: 'Text as raw text or as a URL', xml: '<View><Text name="a" value="$a"/><Text name="b" value="$b" valueType="url"/></View>', data: { a: FAITH, b: 'https://htx-pub.s3.amazonaws.com/example.txt' } },
    {
      name: 'a later tag with the same key wins',
      xml: '<View><Text name="a" value="$x"/><Image name="b" value="$x"/></View>',
      data: { x: 'static/samples/sample.jpg' },
    },
    { name: 'no "$" keys: an empty object', xml: '<View><Header value="Hello"/><Text name="t" value="static"/></View>', data: {} },
    { name: 'the root is not visited', xml: '<Text name="t" value="$t"/>', data: {} },
    {
      name: 'Paragraphs re-keyed by nameKey and textKey',
      xml: '<View><Paragraphs name="p" value="$dialogue" nameKey="speaker" textKey="phrase"/></View>',
      data: {
        dialogue: [
          { speaker: 'Alice', phrase: 'Hi, Bob.' },
          { speaker: 'Bob', phrase: 'Hello, Alice!' },
          { speaker: 'Alice', phrase: "What's up?" },
          { speaker: 'Bob', phrase: 'Good. Ciao!' },
          { speaker: 'Alice', phrase: 'Bye, Bob.' },
        ],
      },
    },
    {
      name: 'TimeSeries from a URL: the sample CSV route with its parameters',
      xml: '<View><TimeSeries name="ts" value="$csv" valueType="url" timeColumn="time" sep=","><Channel column="velocity"/><Channel column="acceleration"/></TimeSeries></View>',
      data: { csv: '/samples/time-series.csv?time=time&values=velocity%2Cacceleration&sep=%2C' },
    },
    {
      name: 'TimeSeries URL with a time format',
      xml: '<View><TimeSeries name="ts" value="$csv" valueType="url" timeColumn="t" timeFormat="%Y-%m-%d"><Channel column="a"/></TimeSeries></View>',
      data: { csv: '/samples/time-series.csv?time=t&values=a&tf=%25Y-%25m-%25d' },
    },
    { name: 'Table: an object', xml: '<View><Table name="t" value="$item"/></View>', data: { item: { 'Card number': 18799210, 'First name': 'Max', 'Last name': 'Nobel' } } },
    // 0.8 gave "Something", which a List then refused at import.
    { name: 'List: items with text', xml: '<View><List name="l" value="$items"/></View>', data: { items: [1, 2, 3].map((id) => ({ id, text: `${id}. ${FAITH}` })) } },
    { name: 'a canned value of the wrong type is replaced', xml: '<View><Table name="t" value="$video"/></View>', data: { video: { 'Card number': 18799210, 'First name': 'Max', 'Last name': 'Nobel' } } },
  ])('$name', ({ xml, data }) => {
    expect(generate(xml)).toEqual(data);
  });

  it('uses the mode: HyperText and $website differ between preview and upload', () => {
    const xml = '<View><HyperText name="h" value="$html"/><HyperText name="w" value="$website"/></View>';
    expect(generate(xml, 'upload')).toEqual({ html: "<a href='heartex.net'>Heartex</a>", website: "<iframe src='https://heartex.ai' width='100%' height='600px'/>" });
    const preview = generate(xml, 'editor_preview');
    expect(preview.html).toMatch(/^<div style="max-width: 750px">/);
    expect(preview.website).toBe("<iframe src='http://heartex.ai' width='100%' height='600px'/>");
  });

  it('builds JSON time series: 100 points per channel, times as days in the time format', () => {
    const xml = '<View><TimeSeries name="ts" value="$ts" valueType="json" timeColumn="time" timeFormat="%Y-%m-%d"><Channel column="a"/><Channel column="b"/></TimeSeries></View>';
    const data = generate(xml) as { ts: Record<string, unknown[]> };
    expect(Object.keys(data.ts)).toEqual(['time', 'a', 'b']);
    expect(data.ts.time!.slice(0, 2)).toEqual(['2020-01-01', '2020-01-02']);
    expect(data.ts.time![99]).toBe('2020-04-09');
    expect(data.ts.a).toHaveLength(100);
    expect(data.ts.a!.every((v) => typeof v === 'number' && Number.isFinite(v))).toBe(true);
  });
});

describe('predefined sample task in a config comment (§3.2)', () => {
  it.each([
    { name: 'a data object', xml: '<!-- {"data": {"text": "predefined"}} --><View/>', data: { text: 'predefined' } },
    { name: 'a bare object', xml: '<View/><!--{"text": "bare"}-->', data: { text: 'bare' } },
    { name: 'completions only', xml: '<View/><!-- {"completions": []} -->', data: undefined },
    { name: 'not JSON', xml: '<!-- {not json} --><View/>', data: undefined },
    // Q-E1: the metadata comment of the shipped configs is not a sample task.
    { name: 'the metadata comment is skipped', xml: '<!-- {"title": "T", "category": "text"} --><View/><!-- {"data": {"a": 1}} -->', data: { a: 1 } },
  ])('$name', ({ xml, data }) => {
    expect(predefinedData(xml)).toEqual(data);
  });

  it.each([
    { name: 'spec example: predefined keys win, others stay', xml: '<!-- {"data": {"text": "predefined"}} --><View><Text name="text" value="$text"/><Text name="t2" value="$other"/></View>', data: { text: 'predefined', other: FAITH } },
    { name: 'text_classification: no metadata in the sample', xml: shippedConfig('text_classification'), data: { text: FAITH } },
    { name: 'ts_rel_between_channels: a completions comment gives no data', xml: shippedConfig('ts_rel_between_channels'), keys: ['csv1', 'csv2'] },
    { name: 'ts_rel_text: the sample event text', xml: shippedConfig('ts_rel_text'), partial: { event: 'Authorization success\nError requesting auth: Authorization check failed' } },
    { name: 'html_video_timeline: a bare sample object', xml: shippedConfig('html_video_timeline'), partial: { videoSource: 'https://app.heartex.ai/static/samples/opossum_snow.mp4' } },
  ])('importExampleData: $name', ({ xml, data, keys, partial }) => {
    const result = importExampleData(xml, parseXmlTree(xml));
    if (data) expect(result).toEqual(data);
    if (keys) expect(Object.keys(result)).toEqual(keys);
    if (partial) expect(result).toMatchObject(partial);
    expect(result).not.toHaveProperty('title');
  });
});

describe('sample time series (§3.5)', () => {
  it.each([
    ['%Y-%m-%d %H:%M:%S.%f', '2020-02-29 00:00:00.000000'],
    ['%d/%m/%y %j %b %B %a %A %I%p %%', '29/02/20 060 Feb February Sat Saturday 12AM %'],
    ['%Q stays', '%Q stays'],
  ])('strftime %s', (format, expected) => {
    expect(strftime(format, new Date(Date.UTC(2020, 1, 29)))).toBe(expected);
  });

  it.each([
    [undefined, [0, 1, 2]],
    ['yyyy-MM-dd', ['2020-01-01', '2020-01-02', '2020-01-03']],
    ['HH:mm', [0, 1, 2]],
  ])('times for format %s', (format, first) => {
    const times = sampleTimes(format);
    expect(times).toHaveLength(100);
    expect(times.slice(0, 3)).toEqual(first);
  });

  it('draws standard normal values', () => {
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const xs = Array.from({ length: 20000 }, () => normal(random));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });

  it.each([
    { query: { time: 'time', values: 'a,b', tf: '%Y-%m-%d' }, first: ['time,a,b', /^2020-01-01,-?[\d.e-]+,-?[\d.e-]+$/] },
    { query: { time: '0', values: '1,3' }, first: [/^0,-?[\d.e-]+,-?[\d.e-]+,-?[\d.e-]+$/, /^1,/] },
    { query: { time: 'time', values: 'a', sep: 'tab' }, first: ['time\ta', /^0\t-?[\d.e-]+$/] },
    { query: { time: 'time', values: 'a', sep: '\\t' }, first: ['time\ta', /^0\t/] },
    { query: { values: 'v', sep: 'space' }, first: ['time v', /^0 /] },
    { query: { time: 'when', values: 'x,y', sep: ';' }, first: ['when;x;y', /^0;/] },
  ])('CSV for $query', ({ query, first }) => {
    const csv = timeSeriesCsv(query);
    const lines = csv.split('\n');
    expect(lines.at(-1)).toBe('');
    const headless = typeof first[0] !== 'string';
    expect(lines.length - 1).toBe(headless ? 100 : 101);
    first.forEach((expected, i) => (typeof expected === 'string' ? expect(lines[i]).toBe(expected) : expect(lines[i]).toMatch(expected)));
  });
});
