// Numbers that are not finite: a polygon point of 1e308 or a huge image size makes pixels,
// sizes or areas overflow to Infinity, which Python (and we, before) printed as Infinity:
// result.json no longer parsed. Such regions are now left out, and the Python-style
// printer writes null for anything not finite.
import { expect, it } from 'vitest';
import { PyFloat, pyFloat, pyJson, pyJsonIndented } from '../../src/exporters/pyText.ts';
import { dataCell } from '../../src/exporters/csv.ts';
import { exportZip } from './golden.ts';
import { BOTH_XML, completed, polygonResult, projectWith, rectResult } from './smallProject.ts';

it('COCO leaves out the regions whose pixels are not finite and stays valid JSON', async () => {
  const t = await projectWith(BOTH_XML, [
    {
      id: 0,
      data: { image: 's3://bucket/a.png' },
      completions: completed(
        0,
        polygonResult([[1e308, 1], [2, 2], [3, 1]], 'FarAway'), // x·width/100 overflows
        polygonResult([[10, 10], [20, 10], [20, 20]], 'Car'),
      ),
    },
    {
      id: 1,
      data: { image: 's3://bucket/b.png' },
      // A box on an image 1e300 pixels wide and high: its area overflows.
      completions: completed(1, rectResult('Huge', { x: 0, y: 0, width: 100, height: 100 }, { original_width: 1e300, original_height: 1e300 })),
    },
    { id: 2, data: { image: 's3://bucket/c.png' }, completions: completed(2, rectResult('Car')) },
  ]);
  try {
    const zip = await exportZip(t, 'COCO');
    const coco = JSON.parse(zip.files.get('result.json')!.toString());
    expect(coco.categories).toEqual([{ id: 0, name: 'Car' }]);
    expect(coco.annotations.map((a: { image_id: number; area: number }) => [a.image_id, a.area])).toEqual([
      [0, 50],
      [2, 100],
    ]);
    // The image of the task whose only region was left out is still listed, with its size.
    expect(coco.images.map((i: { id: number; width: number }) => [i.id, i.width])).toEqual([
      [0, 100],
      [1, 1e300],
      [2, 100],
    ]);
  } finally {
    await t.close();
  }
});

it('the Python-style printer never writes a number that is not finite', () => {
  for (const x of [Infinity, -Infinity, NaN]) {
    expect(pyFloat(x)).toBe('null');
    expect(pyJson(x)).toBe('null');
    expect(pyJson(new PyFloat(x))).toBe('null');
    expect(JSON.parse(pyJsonIndented({ area: new PyFloat(x), bbox: [x] }))).toEqual({ area: null, bbox: [null] });
  }
  // 1e999 in a task's data parses as Infinity: an empty CSV cell, as null is.
  expect(dataCell(JSON.parse('1e999'))).toBe('');
  expect(dataCell(1e300)).toBe('1e+300');
});
