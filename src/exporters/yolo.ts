// YOLO: not in Label Studio 0.8; an extension (export.md §13). Offered like VOC (one
// image input with RectangleLabels), with the same completion selection and the category
// order of COCO (first appearance, ascending task id). Layout, as YOLO trainers read it:
//   images/<image>           the task's image, copied from upload/ or fetched (as VOC)
//   labels/<image stem>.txt  one line per box: "<class> <cx> <cy> <w> <h>", the centre and
//                            size as fractions of the image, 6 decimals
//   classes.txt              the label names, one a line; line n is class n
// The fractions come straight from the results' percentages, so they need no image size
// and lose nothing to pixel rounding. Rotation is ignored, as in COCO and VOC. Two tasks
// with the same image stem get <stem>-<task id>.txt for the later one, as in VOC.
import type { ExportFormat } from './types.ts';
import { needsSingleKey } from './configFacts.ts';
import { baseName, stemOf } from './media.ts';
import { imageFolder, imageTask } from './imageTasks.ts';
import type { Rect } from './shapes.ts';
import { RECT_CONTROLS, UniqueNames } from './voc.ts';

const fraction = (percent: number) => (percent / 100).toFixed(6);

/** The label line of a box: class, centre x, centre y, width, height. */
export function yoloLine(classId: number, r: Rect): string {
  return `${classId} ${fraction(r.x + r.width / 2)} ${fraction(r.y + r.height / 2)} ${fraction(r.width)} ${fraction(r.height)}\n`;
}

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
    const names = new UniqueNames();
    const classes = new Map<string, number>();
    for await (const file of records) {
      const task = imageTask(file, ctx.config, RECT_CONTROLS, log);
      if (!task) continue;
      const resolved = await media.resolve(task.url);
      let text = '';
      for (const r of task.shapes as Rect[]) {
        if (!classes.has(r.label)) classes.set(r.label, classes.size);
        text += yoloLine(classes.get(r.label)!, r);
      }
      await sink.file(`labels/${names.take(stemOf(baseName(resolved.fileName)), task.id)}.txt`, text);
    }
    await sink.file('classes.txt', [...classes.keys()].map((c) => c.replace(/[\r\n]+/g, ' ') + '\n').join(''));
  },
};
