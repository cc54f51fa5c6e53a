// Which formats a config gets (export.md §3): the 22 configs the reference converter was
// asked about, every golden case through GET /api/project/export/formats, and the 400s
// for a format that is missing, unknown or not supported.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { TestApp } from '../helpers/app.ts';
import { CASES, GOLDEN, goldenCase, openGoldenProject } from './golden.ts';
import { parseLabelConfig } from '../../src/labelConfig/parse.ts';
import { EXPORT_FORMATS, supportedFormats } from '../../src/exporters/registry.ts';

/** The reference's list (0.0.23 where it ran, for ASR_MANIFEST), plus YOLO wherever VOC is offered (§13). */
const withYolo = (names: string[]) => (names.includes('VOC') ? [...names, 'YOLO'] : names);

describe('supported formats of the 22 reference configs', async () => {
  const configs = JSON.parse(await readFile(join(GOLDEN, 'supported_formats.json'), 'utf8')) as { name: string; config: string; '0.0.23rc2': string[] }[];
  it.each(configs.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(supportedFormats(parseLabelConfig(c.config)).map((f) => f.name)).toEqual(withYolo(c['0.0.23rc2']));
  });

  it('a config that does not parse gets the four base formats', () => {
    expect(supportedFormats(null).map((f) => f.name)).toEqual(['JSON', 'JSON_MIN', 'CSV', 'TSV']);
  });

  it('the registry lists every format in the offered order, each with a title and a description', () => {
    expect(EXPORT_FORMATS.map((f) => f.name)).toEqual(['JSON', 'JSON_MIN', 'CSV', 'TSV', 'CONLL2003', 'COCO', 'VOC', 'BRUSH_TO_NUMPY', 'BRUSH_TO_PNG', 'ASR_MANIFEST', 'YOLO']);
    for (const f of EXPORT_FORMATS) {
      expect(f.title.length, f.name).toBeGreaterThan(0);
      expect(f.description.length, f.name).toBeGreaterThan(20);
    }
  });
});

describe.each(CASES)('GET /api/project/export/formats for %s', (name) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await openGoldenProject(await goldenCase(name));
  });
  afterAll(() => t.close());

  it("lists the reference's formats, in order, with titles and descriptions", async () => {
    const c = await goldenCase(name);
    const res = await request(t.app).get('/api/project/export/formats');
    expect(res.status).toBe(200);
    expect(res.body.map((f: { name: string }) => f.name)).toEqual(withYolo(c.run.supported_formats['0.0.23rc2'] ?? c.run.supported_formats['0.0.22.post1']!));
    for (const f of res.body) expect(Object.keys(f)).toEqual(['name', 'title', 'description']);
  });
});

describe('bad export requests are 400s naming what the project supports', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await openGoldenProject(await goldenCase('ner'));
  });
  afterAll(() => t.close());

  it.each([
    ['a missing format (0.8: 200 with an empty zip)', '/api/project/export', /^Missing "format"; this project supports JSON, JSON_MIN, CSV, TSV, CONLL2003$/],
    ['an empty format', '/api/project/export?format=', /^Missing "format"/],
    ['an unknown format (0.8: 500)', '/api/project/export?format=XML', /^Unknown format "XML"; this project supports JSON, JSON_MIN, CSV, TSV, CONLL2003$/],
    ['a name in the wrong case (0.8: 500)', '/api/project/export?format=json', /^Unknown format "json"/],
    ['a format the config does not support (0.8: crashed or wrote nonsense)', '/api/project/export?format=COCO', /^Format "COCO" is not supported by the current labeling config; this project supports JSON, JSON_MIN, CSV, TSV, CONLL2003$/],
  ])('%s', async (_what, path, detail) => {
    const res = await request(t.app).get(path);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body.status).toBe(400);
    expect(res.body.detail).toMatch(detail);
  });
});
