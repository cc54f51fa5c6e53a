// YOLO trainers find an image's labels by its stem (images/dog.png → labels/dog.txt). The
// label files used to get a -<task id> suffix the images did not get (cat.png after
// Cat.png, or a second task on dog.png), so labels and images stopped matching. Now the
// image folder keeps stems unique without regard to case, each label file is named after
// the image written, and the tasks that share an image share its label file.
import { posix } from 'node:path';
import { expect, it } from 'vitest';
import { exportZip } from './golden.ts';
import { completed, PNG_HEAD, projectWith, RECT_XML, rectResult } from './smallProject.ts';

const box = (x: number) => rectResult('Car', { x, y: 10, width: 20, height: 20 });
const line = (x: number) => `0 ${((x + 10) / 100).toFixed(6)} 0.200000 0.200000 0.200000\n`;

it('every label file has an image of the same stem, and every image its label file', async () => {
  const t = await projectWith(
    RECT_XML,
    [
      { id: 0, data: { image: '/data/upload/Cat.png' }, completions: completed(0, box(0)) },
      { id: 1, data: { image: '/data/upload/cat.png' }, completions: completed(1, box(1)) },
      { id: 2, data: { image: '/data/upload/dog.png' }, completions: completed(2, box(2)) },
      { id: 3, data: { image: '/data/upload/a.png' }, completions: completed(3, box(3)) },
      { id: 4, data: { image: '/data/upload/dog.png' }, completions: completed(4, box(4)) },
      { id: 5, data: { image: '/data/upload/a.jpg' }, completions: completed(5, box(5)) },
    ],
    { uploads: { 'Cat.png': PNG_HEAD, 'cat.png': PNG_HEAD, 'dog.png': PNG_HEAD, 'a.png': PNG_HEAD, 'a.jpg': PNG_HEAD } },
  );
  try {
    const zip = await exportZip(t, 'YOLO');
    const images = zip.entries.filter((n) => /^images\/./.test(n)).sort();
    const labels = zip.entries.filter((n) => /^labels\/./.test(n)).sort();
    // a.jpg becomes a-1.jpg: a.png has the stem; cat.png becomes cat-1.png: Cat.png has it, whatever the case.
    expect(images).toEqual(['images/Cat.png', 'images/a-1.jpg', 'images/a.png', 'images/cat-1.png', 'images/dog.png']);
    expect(labels.map((l) => posix.parse(l).name)).toEqual(images.map((i) => posix.parse(i).name));
    // The two tasks on dog.png: one file, their lines in task order.
    expect(zip.files.get('labels/dog.txt')!.toString()).toBe(line(2) + line(4));
    expect(zip.files.get('labels/cat-1.txt')!.toString()).toBe(line(1));
    expect(zip.files.get('labels/a-1.txt')!.toString()).toBe(line(5));
  } finally {
    await t.close();
  }
});

it('a task whose image is not in the export keeps its labels, under a stem no image has', async () => {
  const t = await projectWith(
    RECT_XML,
    [
      { id: 1, data: { image: 's3://bucket/dog.png' }, completions: completed(1, box(1)) },
      { id: 2, data: { image: '/data/upload/dog.png' }, completions: completed(2, box(2)) },
      { id: 3, data: { image: 's3://bucket/dog.png' }, completions: completed(3, box(3)) },
    ],
    { uploads: { 'dog.png': PNG_HEAD } },
  );
  try {
    const zip = await exportZip(t, 'YOLO');
    expect(zip.entries.filter((n) => /^(images|labels)\/./.test(n)).sort()).toEqual(['images/dog.png', 'labels/dog-1.txt', 'labels/dog.txt']);
    expect(zip.files.get('labels/dog.txt')!.toString()).toBe(line(2));
    // Tasks 1 and 3 point at the same (unreachable) image: one file.
    expect(zip.files.get('labels/dog-1.txt')!.toString()).toBe(line(1) + line(3));
  } finally {
    await t.close();
  }
});
