// COCO against the reference's output (image_bbox, image_polygons, image_mixed,
// no_completions). Images are fetched from a real HTTP server giving out the reference's
// own image bytes. Compared line by line with the golden result.json; the differences
// allowed are the ones the golden README lists (info.year, COCO area within 1e-9) and
// the quirk fixes, each asserted where it applies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  casesWithFormat,
  exportZip,
  expectSameJsonLines,
  goldenCase,
  goldenEntries,
  goldenFiles,
  goldenText,
  GREY_JPEG,
  openGoldenProject,
  startImageServer,
  type ImageServer,
} from './golden.ts';

const YEAR = new Date().getFullYear();
const withYear = (text: string) => text.replace(/"year": 2026/, `"year": ${YEAR}`); // README item 1

let images: ImageServer;
beforeAll(async () => {
  images = await startImageServer();
});
afterAll(() => images.close());

it('the golden cases with COCO are image_bbox, image_polygons, image_mixed and no_completions', async () => {
  expect(await casesWithFormat('COCO')).toEqual(['image_bbox', 'image_polygons', 'image_mixed', 'no_completions']);
});

describe('image_bbox', () => {
  it('matches the reference; the uploaded image is copied into images/ (fix of §9.3, the reference kept /data/upload/...)', async () => {
    const c = await goldenCase('image_bbox');
    const t = await openGoldenProject(c, { rewrite: images.rewrite, uploads: { '2-plane.jpg': GREY_JPEG } });
    try {
      const zip = await exportZip(t, 'COCO');
      const golden = images.fetchedName(images.rewrite(await goldenText('image_bbox', 'COCO', 'result.json')));
      expect(golden).toContain('"file_name": "/data/upload/2-plane.jpg"');
      const expected = withYear(golden).replace('"file_name": "/data/upload/2-plane.jpg"', '"file_name": "images/2-plane.jpg"');
      expectSameJsonLines(zip.files.get('result.json')!.toString('utf8'), expected);
      expect([...zip.entries].sort()).toEqual([...goldenEntries(c, 'COCO').map(images.fetchedName), 'images/2-plane.jpg'].sort());
      for (const [name, bytes] of await goldenFiles('image_bbox', 'COCO')) {
        if (name.startsWith('images/')) expect(zip.files.get(images.fetchedName(name))!.equals(bytes), name).toBe(true);
      }
      expect(zip.files.get('images/2-plane.jpg')!.equals(GREY_JPEG)).toBe(true);
      // The unreachable http://images.invalid/... keeps its URL and does not fail the export.
      expect(expected).toContain('"file_name": "http://images.invalid/other/2-plane.jpg"');
    } finally {
      await t.close();
    }
  });
});

describe('image_polygons', () => {
  it('matches the reference: float segmentation and bbox written as Python did (32.0), shoelace area', async () => {
    const c = await goldenCase('image_polygons');
    // No upload folder here: a /data/upload/ image that is not there keeps its URL, as in the reference.
    const t = await openGoldenProject(c, { rewrite: images.rewrite });
    try {
      const zip = await exportZip(t, 'COCO');
      const expected = withYear(images.fetchedName(images.rewrite(await goldenText('image_polygons', 'COCO', 'result.json'))));
      expectSameJsonLines(zip.files.get('result.json')!.toString('utf8'), expected);
      expect([...zip.entries].sort()).toEqual(goldenEntries(c, 'COCO').map(images.fetchedName).sort());
      const [name, bytes] = [...(await goldenFiles('image_polygons', 'COCO'))].find(([n]) => n.startsWith('images/'))!;
      expect(zip.files.get(images.fetchedName(name))!.equals(bytes)).toBe(true);
    } finally {
      await t.close();
    }
  });
});

describe('image_mixed', () => {
  it('exports both controls of every task (quirk §9.2: the reference kept only the first control appearing in each task)', async () => {
    const c = await goldenCase('image_mixed');
    const t = await openGoldenProject(c);
    try {
      const zip = await exportZip(t, 'COCO');
      expect([...zip.entries].sort()).toEqual(goldenEntries(c, 'COCO'));
      const ours = JSON.parse(zip.files.get('result.json')!.toString('utf8'));
      const golden = JSON.parse(await goldenText('image_mixed', 'COCO', 'result.json'));
      expect(ours.images).toEqual(golden.images);
      expect(ours.categories).toEqual(golden.categories); // Car (task 1's box) first, then Building
      // The reference: task 1 only its box, task 2 only its polygon.
      expect(golden.annotations.map((a: { image_id: number; category_id: number }) => [a.image_id, a.category_id])).toEqual([
        [0, 0],
        [1, 1],
      ]);
      // Pixels as the reference computes them, percent / 100 * size in floating point: 55% of 400 is 220.00000000000003.
      const tri = [(50 / 100) * 400, (50 / 100) * 300, (60 / 100) * 400, (50 / 100) * 300, (55 / 100) * 400, (60 / 100) * 300];
      expect(tri[4]).toBe(220.00000000000003);
      expect(ours.annotations).toHaveLength(4);
      // task 1 (400×300): the box 10%,10% 20%×20% ...
      expect(ours.annotations[0]).toEqual({ id: 0, image_id: 0, category_id: 0, segmentation: [], bbox: [40, 30, 80, 60], ignore: 0, iscrowd: 0, area: 4800 });
      // ... and its polygon (50,50) (60,50) (55,60), which the reference dropped: a 40×30 triangle.
      const { area, ...poly } = ours.annotations[1];
      expect(poly).toEqual({ id: 1, image_id: 0, category_id: 1, segmentation: [tri], bbox: [200, 150, 40, 30], ignore: 0, iscrowd: 0 });
      expect(area).toBeCloseTo(600, 9);
      // task 2: the polygon (0,0) (10,0) (10,10) exactly as the reference wrote it, then the box it dropped (70%,70% 10%×10%).
      expect(ours.annotations[2]).toEqual({ ...golden.annotations[1], id: 2 });
      expect(ours.annotations[3]).toEqual({ id: 3, image_id: 1, category_id: 0, segmentation: [], bbox: [280, 210, 40, 30], ignore: 0, iscrowd: 0, area: 1200 });
      expect(ours.info).toEqual({ year: YEAR, version: '1.0', contributor: 'Label Studio' });
    } finally {
      await t.close();
    }
  });
});

describe('no_completions', () => {
  it('writes empty lists and an empty images/ folder', async () => {
    const c = await goldenCase('no_completions');
    const t = await openGoldenProject(c, { bareTasks: [{ id: 1, data: { image: '/data/upload/1.jpg' } }] });
    try {
      const zip = await exportZip(t, 'COCO');
      expect([...zip.entries].sort()).toEqual(goldenEntries(c, 'COCO'));
      expect(zip.files.get('result.json')!.toString('utf8')).toBe(withYear(await goldenText('no_completions', 'COCO', 'result.json')));
    } finally {
      await t.close();
    }
  });
});
