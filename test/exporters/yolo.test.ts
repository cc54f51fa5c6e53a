// YOLO has no reference output: the image_bbox case, exported through HTTP, against label
// files computed by hand from the results' percentages (centre = x + width/2, all / 100).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { exportZip, goldenCase, GREY_JPEG, openGoldenProject, startImageServer, type ImageServer } from './golden.ts';
import type { TestApp } from '../helpers/app.ts';

let images: ImageServer;
let t: TestApp;
beforeAll(async () => {
  images = await startImageServer();
  t = await openGoldenProject(await goldenCase('image_bbox'), { rewrite: images.rewrite, uploads: { '2-plane.jpg': GREY_JPEG } });
});
afterAll(async () => {
  await t.close();
  await images.close();
});

describe('YOLO on image_bbox', () => {
  it('is offered after the reference formats for an image with RectangleLabels', async () => {
    const res = await request(t.app).get('/api/project/export/formats');
    expect(res.body.map((f: { name: string }) => f.name)).toEqual(['JSON', 'JSON_MIN', 'CSV', 'TSV', 'COCO', 'VOC', 'YOLO']);
  });

  it('writes classes.txt, one label file per image and the images', async () => {
    const zip = await exportZip(t, 'YOLO');
    const cat = images.fetchedName('33731ba076cc055562f78b2bd3d38ea9');
    expect([...zip.entries].sort()).toEqual(
      ['classes.txt', 'images/', `images/${cat}`, 'images/2-plane.jpg', 'labels/', `labels/${cat}.txt`, 'labels/2-plane-5.txt', 'labels/2-plane.txt'].sort(),
    );
    // Classes in order of first appearance: task 1 lists Car first.
    expect(zip.files.get('classes.txt')!.toString()).toBe('Car\nAirplane\n');
    // Task 1 (cat.png, fetched):
    //   Car      x 10.5 y 20.25 w 33.3 h 15.1  → cx (10.5+16.65)/100 = 0.2715, cy (20.25+7.55)/100 = 0.278
    //   Airplane x 50 y 5.869797225186766 w 12.4 h 10.458911419423693
    //            → cx (50+6.2)/100 = 0.562, cy (5.869797225186766+5.2294557097118465)/100 = 0.1109925…
    expect(zip.files.get(`labels/${cat}.txt`)!.toString()).toBe('0 0.271500 0.278000 0.333000 0.151000\n1 0.562000 0.110993 0.124000 0.104589\n');
    // Task 2 (2-plane.jpg, copied from upload/):
    //   x 0 y 0 w 99.99 h 99.99                  → cx = cy = 0.49995
    //   x 60.123 y 70.987 w 20.5 h 10.25 (rotation 30, ignored) → cx (60.123+10.25)/100 = 0.70373, cy (70.987+5.125)/100 = 0.76112
    expect(zip.files.get('labels/2-plane.txt')!.toString()).toBe('1 0.499950 0.499950 0.999900 0.999900\n1 0.703730 0.761120 0.205000 0.102500\n');
    // Task 3 is cancelled, task 4 has no regions: no files. Task 5's image (unreachable,
    // also named 2-plane) gets the task id in its label file's name.
    expect(zip.files.get('labels/2-plane-5.txt')!.toString()).toBe('0 0.500000 0.500000 0.500000 0.500000\n');
    expect(zip.files.get('images/2-plane.jpg')!.equals(GREY_JPEG)).toBe(true);
  });
});
