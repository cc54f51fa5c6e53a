// JSON and JSON_MIN against the reference's output, every golden case. The files must be
// byte for byte what the reference wrote, but for one thing JavaScript cannot keep: a
// number written 40.0 comes back as 40 (export-golden README, item 5). So the expected
// text is the golden file parsed and laid out again with 2-space indent; parsing keeps
// every value and key order, the layout check covers indent, UTF-8 and the missing
// trailing newline.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.ts';
import { CASES, exportSingle, exportZip, goldenCase, goldenEntries, goldenText, openGoldenProject, startImageServer, type ImageServer } from './golden.ts';

let images: ImageServer;
beforeAll(async () => {
  images = await startImageServer();
});
afterAll(() => images.close());

describe.each(CASES)('%s', (name) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await openGoldenProject(await goldenCase(name), { rewrite: (s) => images.rewrite(s) });
  });
  afterAll(() => t.close());

  it.each(['JSON', 'JSON_MIN'])('%s matches the reference', async (format) => {
    const c = await goldenCase(name);
    const zip = await exportZip(t, format);
    expect([...zip.entries].sort()).toEqual(goldenEntries(c, format));
    const golden = images.rewrite(await goldenText(name, format, 'result.json'));
    const ours = zip.files.get('result.json')!.toString('utf8');
    expect(ours).toBe(JSON.stringify(JSON.parse(golden), null, 2));
  });

  it.each(['JSON', 'JSON_MIN'])('%s without zip=1 is the file itself', async (format) => {
    const zip = await exportZip(t, format);
    const single = await exportSingle(t, format);
    expect(single.status).toBe(200);
    expect(single.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(single.headers['content-disposition']).toMatch(/^attachment; filename=\d{4}(-\d\d){5}\.json$/);
    expect(single.headers['filename']).toMatch(/^\d{4}(-\d\d){5}\.json$/);
    expect(single.body.equals(zip.files.get('result.json')!)).toBe(true);
  });
});
