// A brush RLE of a few kilobytes can announce a canvas of gigabytes (one run covers
// 65,536 values). Decoding must cost about the mask (W·H bytes), not the 4·W·H RGBA pixels
// plus pngjs's copies, must refuse what it cannot cover or is too large before it
// allocates, and must not stall the server while it works.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.ts';
import { decodeBrushMask, decodeRle, MAX_MASK_PIXELS, RleError } from '../../src/exporters/rle.ts';
import { rleOf, uniformRle } from './rleWriter.ts';
import { BRUSH_XML, brushResult, completed, projectWith } from './smallProject.ts';

const brushProject = (width: number, height: number, rle: number[]) =>
  projectWith(BRUSH_XML, [{ id: 0, data: { image: '/data/upload/x.png' }, completions: completed(0, brushResult(rle, width, height)) }]);

function exportBytes(t: TestApp, format: string) {
  return request(t.app)
    .get(`/api/project/export?format=${format}`)
    .buffer(true)
    .parse((res, cb) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => cb(null, Buffer.concat(parts)));
    });
}

describe('decoding straight into the mask', () => {
  it('gives the alpha of every pixel, whatever the runs (literals, runs across pixels, a run past the end)', () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 50; round++) {
      const width = 1 + random(9);
      const height = 1 + random(7);
      const values: number[] = [];
      const runs: number[] = [];
      while (values.length < width * height * 4) {
        const n = Math.min(1 + random(round % 2 ? 300 : 11), width * height * 4 - values.length);
        const literal = random(2) === 0;
        const v = random(256);
        for (let i = 0; i < n; i++) values.push(literal ? random(256) : v);
        runs.push(n);
      }
      const rle = rleOf(values, runs);
      const rgba = decodeRle(rle);
      expect([...rgba], `round ${round}`).toEqual(values);
      expect([...decodeBrushMask(rle, width, height)], `round ${round}`).toEqual(values.filter((_, i) => i % 4 === 3));
    }
  });

  it('refuses a mask above the pixel cap before decoding anything', () => {
    const rle = uniformRle(2048 * 2048 * 4, 255);
    expect(() => decodeBrushMask(rle, 2048, 2048, 1024 * 1024)).toThrow(/larger than 1048576/);
    expect(decodeBrushMask(rle, 2048, 2048, 2048 * 2048)).toHaveLength(2048 * 2048);
    expect(MAX_MASK_PIXELS).toBe(64 * 1024 * 1024);
    expect(() => decodeBrushMask(uniformRle(16384 * 16384 * 4, 255), 16384, 16384)).toThrow(RleError);
  });

  it('refuses a stream too short to cover the count it announces, before allocating it', () => {
    // 8192×8192 announced, runs for only half of it: 64 MB would be allocated for nothing.
    const half = uniformRle(8192 * 8192 * 4, 255, 8192 * 8192 * 2 / 65536);
    expect(() => decodeBrushMask(half, 8192, 8192)).toThrow(/too short/);
    expect(() => decodeRle(half)).toThrow(/too short/);
    // 4 billion values announced in 9 bytes.
    expect(() => decodeRle([255, 255, 255, 255, 0x39, 0x1b, 0xfd, 0x90, 0])).toThrow(/too short/);
  });
});

describe('a hostile brush region through the export', () => {
  it('a canvas over the cap is skipped with the export still answering 200 (an empty zip)', async () => {
    const t = await brushProject(16384, 16384, uniformRle(16384 * 16384 * 4, 255));
    try {
      const started = Date.now();
      const res = await exportBytes(t, 'BRUSH_TO_PNG');
      expect(res.status).toBe(200);
      expect((res.body as Buffer).length).toBe(22);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await t.close();
    }
  });

  it.each(['BRUSH_TO_PNG', 'BRUSH_TO_NUMPY'])('%s: a 14 KB RLE for an 8192×8192 mask costs about the mask, and the server keeps answering', async (format) => {
    const rle = uniformRle(8192 * 8192 * 4, 255);
    expect(rle.length).toBeLessThan(15_000);
    const t = await brushProject(8192, 8192, rle);
    try {
      const rssBefore = process.resourceUsage().maxRSS; // KB, the peak so far
      let last = Date.now();
      let longestStall = 0;
      const ticker = setInterval(() => {
        const now = Date.now();
        longestStall = Math.max(longestStall, now - last);
        last = now;
      }, 10);
      const res = await exportBytes(t, format);
      clearInterval(ticker);
      const grownMb = (process.resourceUsage().maxRSS - rssBefore) / 1024;
      expect(res.status).toBe(200);
      // The mask is 64 MB; the RGBA decode plus pngjs cost ~380 MB and a 1 s stall here.
      expect(grownMb, 'peak RSS growth (MB)').toBeLessThan(250);
      expect(longestStall, 'longest event-loop stall (ms)').toBeLessThan(600);
    } finally {
      await t.close();
    }
  });
});
