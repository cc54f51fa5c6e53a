// Pascal VOC against the reference's output (image_bbox, image_mixed, no_completions),
// byte for byte, with the quirk fixes of export.md §10 asserted where they apply.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { casesWithFormat, exportZip, goldenCase, goldenEntries, goldenFiles, goldenText, GREY_JPEG, openGoldenProject, startImageServer, type ImageServer } from './golden.ts';

let images: ImageServer;
beforeAll(async () => {
  images = await startImageServer();
});
afterAll(() => images.close());

/** A VOC file as the reference lays it out (checked against a golden file below). */
function vocXml(name: string, width: number, height: number, depth: number, objects: [string, number, number, number, number][]): string {
  const head = `<?xml version="1.0" encoding="utf-8"?>
<annotation>
<folder>images</folder>
<filename>${name}</filename>
<source>
<database>MyDatabase</database>
<annotation>COCO2017</annotation>
<image>flickr</image>
<flickrid>NULL</flickrid>
</source>
<owner>
<flickrid>NULL</flickrid>
<name>Label Studio</name>
</owner>
<size>
<width>${width}</width>
<height>${height}</height>
<depth>${depth}</depth>
</size>
<segmented>0</segmented>
`;
  const objs = objects.map(
    ([label, xmin, ymin, xmax, ymax]) => `<object>
<name>${label}</name>
<pose>Unspecified</pose>
<truncated>0</truncated>
<difficult>0</difficult>
<bndbox>
<xmin>${xmin}</xmin>
<ymin>${ymin}</ymin>
<xmax>${xmax}</xmax>
<ymax>${ymax}</ymax>
</bndbox>
</object>
`,
  );
  return head + objs.join('') + '</annotation>\n';
}

it('the golden cases with VOC are image_bbox, image_mixed and no_completions', async () => {
  expect(await casesWithFormat('VOC')).toEqual(['image_bbox', 'image_mixed', 'no_completions']);
});

it("this test's layout is the reference's", async () => {
  expect(vocXml('2-plane', 1024, 768, 3, [['Car', 256, 192, 768, 576]])).toBe(await goldenText('image_bbox', 'VOC', 'Annotations/2-plane.xml'));
});

describe('image_bbox', () => {
  it('matches the reference; a name collision gets its own file and uploaded images are read for depth (quirks §10)', async () => {
    const c = await goldenCase('image_bbox');
    const t = await openGoldenProject(c, { rewrite: images.rewrite, uploads: { '2-plane.jpg': GREY_JPEG } });
    try {
      const zip = await exportZip(t, 'VOC');
      const golden = await goldenFiles('image_bbox', 'VOC');
      // The fetched grey cat.png: as the reference, depth 1.
      const cat = `Annotations/${images.fetchedName('33731ba076cc055562f78b2bd3d38ea9')}.xml`;
      expect(zip.files.get(cat)!.toString('utf8')).toBe(images.fetchedName(golden.get('Annotations/33731ba076cc055562f78b2bd3d38ea9.xml')!.toString('utf8')));
      // Quirk "two tasks whose images share a base name write the same file": the reference's
      // 2-plane.xml holds task 5 (the later one); task 2 is lost. We keep task 2 as 2-plane.xml
      // (its image copied from upload/, a one-channel JPEG: depth 1, not the reference's 3) ...
      expect(zip.files.get('Annotations/2-plane.xml')!.toString('utf8')).toBe(
        vocXml('2-plane', 800, 600, 1, [
          ['Airplane', 0, 0, 799, 599],
          ['Airplane', 480, 425, 644, 486],
        ]),
      );
      // ... and task 5 as 2-plane-5.xml, with exactly the content the reference gave it.
      expect(zip.files.get('Annotations/2-plane-5.xml')!.toString('utf8')).toBe(golden.get('Annotations/2-plane.xml')!.toString('utf8'));
      expect(zip.files.get(`images/${images.fetchedName('33731ba076cc055562f78b2bd3d38ea9')}`)!.equals(golden.get('images/33731ba076cc055562f78b2bd3d38ea9')!)).toBe(true);
      expect(zip.files.get('images/2-plane.jpg')!.equals(GREY_JPEG)).toBe(true);
      expect([...zip.entries].sort()).toEqual([...goldenEntries(c, 'VOC').map(images.fetchedName), 'images/2-plane.jpg', 'Annotations/2-plane-5.xml'].sort());
    } finally {
      await t.close();
    }
  });
});

describe('image_mixed', () => {
  it('exports the rectangles of every task (quirk §10: the reference failed with KeyError "rectanglelabels")', async () => {
    const c = await goldenCase('image_mixed');
    expect(c.run.formats.VOC!.error).toBe("KeyError: 'rectanglelabels'");
    const t = await openGoldenProject(c);
    try {
      const zip = await exportZip(t, 'VOC');
      expect([...zip.entries].sort()).toEqual(['Annotations/', 'Annotations/1-mixed.xml', 'Annotations/2-mixed.xml', 'images/']);
      // The uploads are not in the project: URLs kept, depth 3 as the reference gives.
      expect(zip.files.get('Annotations/1-mixed.xml')!.toString('utf8')).toBe(vocXml('1-mixed', 400, 300, 3, [['Car', 40, 30, 120, 90]]));
      expect(zip.files.get('Annotations/2-mixed.xml')!.toString('utf8')).toBe(vocXml('2-mixed', 400, 300, 3, [['Car', 280, 210, 320, 240]]));
    } finally {
      await t.close();
    }
  });
});

describe('no_completions', () => {
  it('writes only an empty images/ folder', async () => {
    const c = await goldenCase('no_completions');
    const t = await openGoldenProject(c, { bareTasks: [{ id: 1, data: { image: '/data/upload/1.jpg' } }] });
    try {
      const zip = await exportZip(t, 'VOC');
      expect(zip.entries).toEqual(goldenEntries(c, 'VOC'));
      expect(zip.files.size).toBe(0);
    } finally {
      await t.close();
    }
  });
});

describe('names and text', () => {
  it('escapes XML text as minidom did and drops characters XML cannot hold', async () => {
    const { xmlText } = await import('../../src/exporters/voc.ts');
    expect(xmlText('a&b<c>"d"\x01')).toBe('a&amp;b&lt;c&gt;&quot;d&quot;');
  });

  it('later tasks with a taken name get -<task id>, compared without case', async () => {
    const { UniqueNames } = await import('../../src/exporters/voc.ts');
    const names = new UniqueNames();
    expect([names.take('a', 1), names.take('A', 2), names.take('a', 2), names.take('', 9)]).toEqual(['a', 'A-2', 'a-2-1', 'task-9']);
  });
});
