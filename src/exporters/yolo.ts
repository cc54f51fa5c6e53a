// YOLO: not in Label Studio 0.8; an extension (export.md §13). Offered like VOC (one
// image input with RectangleLabels), with the same completion selection and the category
// order of COCO (first appearance, ascending task id). Layout, as YOLO trainers read it:
//   images/<image>           the task's image, copied from upload/ or fetched (as VOC)
//   labels/<image stem>.txt  one line per box: "<class> <cx> <cy> <w> <h>", the centre and
//                            size as fractions of the image, 6 decimals
//   classes.txt              the label names, one a line; line n is class n
// The fractions come straight from the results' percentages, so they need no image size
// and lose nothing to pixel rounding. Rotation is ignored, as in COCO and VOC.
// Trainers find an image's labels by its stem, so a label file is named after the image
// file actually written (the image folder keeps stems unique), and the tasks that share
// an image share its label file, their lines one after the other. A task whose image is
// not in the export (a failed download, a file elsewhere on the server) still gets its
// labels, under its image's stem if no image in the export has it, else <stem>-<task id>.
// The records are read twice: first to put the images in and learn the classes and how
// many tasks each image has, then to write each label file once its last task is read.
import type { ExportFormat } from './types.ts';
import { needsSingleKey } from './configFacts.ts';
import { baseName, stemOf, type ResolvedMedia } from './media.ts';
import { imageFolder, imageTask } from './imageTasks.ts';
import type { Rect } from './shapes.ts';
import { RECT_CONTROLS, UniqueNames } from './voc.ts';

const fraction = (percent: number) => (percent / 100).toFixed(6);

/** The label line of a box: class, centre x, centre y, width, height. */
export function yoloLine(classId: number, r: Rect): string {
  return `${classId} ${fraction(r.x + r.width / 2)} ${fraction(r.y + r.height / 2)} ${fraction(r.width)} ${fraction(r.height)}\n`;
}

/** The stem of the image file in the export (undefined when the image is not in it). */
const imageStem = (media: ResolvedMedia<unknown>) => media.exportPath && stemOf(baseName(media.exportPath));

export const yoloFormat: ExportFormat = {
  name: 'YOLO',
  title: 'YOLO',
  description: 'Popular TXT format: one text file per image with a line per box (class, centre and size as fractions of the image), plus classes.txt with the label names.',
  supports: needsSingleKey('Image', ['RectangleLabels']),
  async write(records, sink, ctx) {
    const log = (msg: string) => ctx.log?.warn(msg);
    sink.dir('images');
    sink.dir('labels');
    const media = imageFolder(sink, ctx);
    const classes = new Map<string, number>();
    const names = new UniqueNames();
    /** Per image (its fileName): its first task, and its tasks not read yet in the second pass. */
    const tasksOf = new Map<string, { first: number; left: number }>();
    for await (const file of records) {
      const task = imageTask(file, ctx.config, RECT_CONTROLS, log);
      if (!task) continue;
      const resolved = await media.resolve(task.url);
      const stem = imageStem(resolved);
      if (stem !== undefined) names.reserve(stem);
      const seen = tasksOf.get(resolved.fileName);
      if (seen) seen.left++;
      else tasksOf.set(resolved.fileName, { first: task.id, left: 1 });
      for (const r of task.shapes) if (!classes.has(r.label)) classes.set(r.label, classes.size);
    }
    /** Lines of the images whose last task has not been read yet. */
    const pending = new Map<string, string>();
    for await (const file of records) {
      const task = imageTask(file, ctx.config, RECT_CONTROLS, () => {});
      if (!task) continue;
      const resolved = await media.resolve(task.url);
      const key = resolved.fileName;
      const text = (pending.get(key) ?? '') + (task.shapes as Rect[]).map((r) => yoloLine(classes.get(r.label)!, r)).join('');
      const tasks = tasksOf.get(key)!;
      if (--tasks.left > 0) {
        pending.set(key, text);
        continue;
      }
      pending.delete(key);
      const name = imageStem(resolved) ?? names.take(stemOf(baseName(key)), tasks.first);
      await sink.file(`labels/${name}.txt`, text);
    }
    await sink.file('classes.txt', [...classes.keys()].map((c) => c.replace(/[\r\n]+/g, ' ') + '\n').join(''));
  },
};
