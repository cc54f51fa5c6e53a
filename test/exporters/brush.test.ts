// BRUSH_TO_NUMPY and BRUSH_TO_PNG against the reference's output (case brush). The .npy
// files are compared byte for byte (we lay the header out as NumPy does); the PNG files by
// mode, size and pixels (export-golden README item 4: their bytes depend on zlib).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import request from 'supertest';
import type { TestApp } from '../helpers/app.ts';
import { casesWithFormat, exportZip, goldenCase, goldenEntries, goldenFiles, openGoldenProject } from './golden.ts';
import { decodeBrushMask, decodeRle, RleError } from '../../src/exporters/rle.ts';
import { npyHeader } from '../../src/exporters/npy.ts';
import { greyPng } from '../../src/exporters/png.ts';

// Quirk §11: the reference exported the cancelled completion 1002 too; we leave it out.
const CANCELLED = (name: string) => name.includes('-completion-1002-');

let t: TestApp;
beforeAll(async () => {
  t = await openGoldenProject(await goldenCase('brush'));
});
afterAll(() => t.close());

it('the golden case with brush formats is brush', async () => {
  expect(await casesWithFormat('BRUSH_TO_NUMPY')).toEqual(['brush']);
  expect(await casesWithFormat('BRUSH_TO_PNG')).toEqual(['brush']);
});

describe('BRUSH_TO_NUMPY', () => {
  it('matches the reference byte for byte, without the cancelled completion', async () => {
    const c = await goldenCase('brush');
    const zip = await exportZip(t, 'BRUSH_TO_NUMPY');
    const expected = goldenEntries(c, 'BRUSH_TO_NUMPY');
    expect(expected.filter(CANCELLED)).toEqual(['task-1-completion-1002-tag-Road-0.npy']);
    expect([...zip.entries].sort()).toEqual(expected.filter((n) => !CANCELLED(n)));
    for (const [name, bytes] of await goldenFiles('brush', 'BRUSH_TO_NUMPY')) {
      if (CANCELLED(name)) continue;
      expect(zip.files.get(name)!.equals(bytes), name).toBe(true);
    }
  });

  it('holds the masks the README describes (alpha, rows top to bottom)', async () => {
    const zip = await exportZip(t, 'BRUSH_TO_NUMPY');
    const pixels = (name: string) => [...zip.files.get(name)!.subarray(128)];
    expect(pixels('task-1-completion-1001-tag-Car-0.npy')).toEqual([0, 0, 255, 255, 0, 255, 255, 0, 0, 0, 0, 0]);
    expect(pixels('task-1-completion-1001-tag-Car-1.npy')).toEqual([200, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(pixels('task-1-completion-1001-tag-Road-0.npy')).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255]);
    const big = pixels('task-2-completion-2001-tag-Road-0.npy');
    expect(big).toHaveLength(20 * 16);
    for (let y = 0; y < 16; y++) for (let x = 0; x < 20; x++) expect(big[y * 20 + x], `${x},${y}`).toBe(y >= 10 && y <= 12 && x >= 5 && x <= 8 ? 255 : 0);
  });
});

describe('BRUSH_TO_PNG', () => {
  it('matches the reference in mode, size and pixels, without the cancelled completion', async () => {
    const c = await goldenCase('brush');
    const zip = await exportZip(t, 'BRUSH_TO_PNG');
    const expected = goldenEntries(c, 'BRUSH_TO_PNG');
    expect([...zip.entries].sort()).toEqual(expected.filter((n) => !CANCELLED(n)));
    for (const [name, bytes] of await goldenFiles('brush', 'BRUSH_TO_PNG')) {
      if (CANCELLED(name)) continue;
      const theirs = PNG.sync.read(bytes, { skipRescale: true });
      const ours = PNG.sync.read(zip.files.get(name)!, { skipRescale: true });
      expect([ours.width, ours.height, ours.colorType, ours.depth], name).toEqual([theirs.width, theirs.height, 0, 8]);
      expect(ours.data.equals(theirs.data), name).toBe(true);
    }
  });
});

describe('RLE decoding', () => {
  const CAR_0 = [0, 0, 0, 48, 57, 27, 253, 144, 8, 127, 225, 0, 135, 254, 80, 8, 127, 225, 0, 135, 255, 9, 128, 0];

  it('reads the header (count, word size, the four run-length sizes) and the runs', () => {
    const rgba = decodeRle(CAR_0);
    expect(rgba).toHaveLength(48);
    expect([...decodeBrushMask(CAR_0, 4, 3)]).toEqual([0, 0, 255, 255, 0, 255, 255, 0, 0, 0, 0, 0]);
  });

  it('refuses a stream that ends early or a count that is not W×H×4', () => {
    expect(() => decodeRle(CAR_0.slice(0, 10))).toThrow(RleError);
    expect(() => decodeBrushMask(CAR_0, 4, 4)).toThrow(/expected 64/);
    expect(() => decodeBrushMask([255, 255, 255, 255, 0], 1e6, 1e6)).toThrow(RleError);
  });

  it('lays the .npy header out as NumPy: 128 bytes here, dict padded, newline last', () => {
    const h = npyHeader(3, 4);
    expect(h).toHaveLength(128);
    expect(h.subarray(10).toString('latin1')).toBe("{'descr': '|u1', 'fortran_order': False, 'shape': (3, 4), }" + ' '.repeat(128 - 10 - 59 - 1) + '\n');
  });
});

describe('the PNG writer', () => {
  it('writes a greyscale PNG that pngjs reads back pixel for pixel (rows in several batches and IDAT chunks)', async () => {
    const [width, height] = [1000, 300];
    const pixels = new Uint8Array(width * height);
    for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7919) % 251;
    const parts: Buffer[] = [];
    for await (const part of greyPng(pixels, width, height)) parts.push(part);
    const png = PNG.sync.read(Buffer.concat(parts), { skipRescale: true });
    expect([png.width, png.height, png.colorType, png.depth]).toEqual([width, height, 0, 8]);
    // pngjs hands back RGBA: grey in R, G and B, alpha 255.
    for (let i = 0; i < pixels.length; i++) if (png.data[i * 4] !== pixels[i]) expect(png.data[i * 4], `pixel ${i}`).toBe(pixels[i]);
  });
});

describe('what the reference could not export', () => {
  it('a mask that does not decode is left out, the others are written; "/" in a label does not make a folder', async () => {
    const c = await goldenCase('brush');
    const broken = (await goldenCase('brush')).tasksText;
    const tasks = JSON.parse(broken);
    tasks[0].completions[0].result[0].value.rle = [0, 0, 0, 48, 57]; // cut short
    tasks[0].completions[0].result[1].value.brushlabels = ['Road/Side'];
    const t2 = await openGoldenProject({ ...c, tasksText: JSON.stringify(tasks) });
    try {
      const zip = await exportZip(t2, 'BRUSH_TO_NUMPY');
      expect([...zip.entries].sort()).toEqual(['task-1-completion-1001-tag-Car-1.npy', 'task-1-completion-1001-tag-Road_Side-0.npy', 'task-2-completion-2001-tag-Road-0.npy']);
      const formats = await request(t2.app).get('/api/project/export/formats');
      expect(formats.body.map((f: { name: string }) => f.name)).toEqual(['JSON', 'JSON_MIN', 'CSV', 'TSV', 'BRUSH_TO_NUMPY', 'BRUSH_TO_PNG']);
    } finally {
      await t2.close();
    }
  });
});
