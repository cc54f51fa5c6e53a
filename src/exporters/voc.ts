// Pascal VOC: images/ plus Annotations/<image name>.xml per task (export.md §10), laid out
// as 0.8 wrote it: one element a line, no indentation. Fixed on purpose:
// - only RectangleLabels groups are read (0.8 took the task's first group and crashed
//   with KeyError 'rectanglelabels' when it was a polygon);
// - two tasks whose images share a name no longer overwrite each other's file: the later
//   one is written as <name>-<task id>.xml;
// - <depth> is read from the real file, also for uploaded and local files (0.8 gave 3,
//   or crashed on a local path); <folder> is always images.
import type { ExportFormat } from './types.ts';
import { needsSingleKey } from './configFacts.ts';
import { baseName, stemOf } from './media.ts';
import { capName } from './names.ts';
import { rectPixels, type Rect } from './shapes.ts';
import { imageFolder, imageSize, imageTask } from './imageTasks.ts';

export const RECT_CONTROLS = ['RectangleLabels'] as const;

/** XML text: & < > " escaped as minidom did; characters XML 1.0 cannot hold are dropped. */
export function xmlText(s: string): string {
  return s
    .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/"/g, '&quot;')
    .replace(/>/g, '&gt;');
}

export interface VocImage {
  name: string;
  width: number;
  height: number;
  depth: number;
  rects: Rect[];
}

export function vocXml(img: VocImage): string {
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<annotation>',
    '<folder>images</folder>',
    `<filename>${xmlText(img.name)}</filename>`,
    '<source>',
    '<database>MyDatabase</database>',
    '<annotation>COCO2017</annotation>',
    '<image>flickr</image>',
    '<flickrid>NULL</flickrid>',
    '</source>',
    '<owner>',
    '<flickrid>NULL</flickrid>',
    '<name>Label Studio</name>',
    '</owner>',
    '<size>',
    `<width>${img.width}</width>`,
    `<height>${img.height}</height>`,
    `<depth>${img.depth}</depth>`,
    '</size>',
    '<segmented>0</segmented>',
  ];
  for (const r of img.rects) {
    const { x, y, w, h } = rectPixels(r, img.width, img.height);
    lines.push(
      '<object>',
      `<name>${xmlText(r.label)}</name>`,
      '<pose>Unspecified</pose>',
      '<truncated>0</truncated>',
      '<difficult>0</difficult>',
      '<bndbox>',
      `<xmin>${x}</xmin>`,
      `<ymin>${y}</ymin>`,
      `<xmax>${x + w}</xmax>`,
      `<ymax>${y + h}</ymax>`,
      '</bndbox>',
      '</object>',
    );
  }
  lines.push('</annotation>', '');
  return lines.join('\n');
}

/**
 * File names per task: the image's own name while unique, then <name>-<task id>, cut when
 * too long (names.ts). Compared without case, so the files also stay apart when unzipped
 * on Windows or macOS.
 */
export class UniqueNames {
  private readonly used = new Set<string>();

  take(name: string, taskId: number): string {
    const safe = name && name !== '.' && name !== '..' ? name : `task-${taskId}`;
    let candidate = capName(safe);
    for (let n = 0; this.used.has(candidate.toLowerCase()); n++) candidate = capName(n === 0 ? `${safe}-${taskId}` : `${safe}-${taskId}-${n}`);
    this.used.add(candidate.toLowerCase());
    return candidate;
  }

  /** Marks a name as taken without a task (YOLO: the stems of the images, which name their own label files). */
  reserve(name: string): void {
    this.used.add(name.toLowerCase());
  }
}

export const vocFormat: ExportFormat = {
  name: 'VOC',
  title: 'Pascal VOC XML',
  description: 'Popular XML format used for object detection and polygon image segmentation tasks.',
  supports: needsSingleKey('Image', ['RectangleLabels']),
  async write(records, sink, ctx) {
    const log = (msg: string) => ctx.log?.warn(msg);
    sink.dir('images');
    const media = imageFolder(sink, ctx);
    const names = new UniqueNames();
    for await (const file of records) {
      const task = imageTask(file, ctx.config, RECT_CONTROLS, log);
      if (!task) continue;
      const resolved = await media.resolve(task.url);
      const size = imageSize(task, resolved);
      if (!size) {
        log(`VOC: task ${task.id} has no original_width/original_height and its image could not be read; skipped`);
        continue;
      }
      const name = stemOf(baseName(resolved.fileName));
      const xml = vocXml({ name, ...size, depth: resolved.meta?.channels ?? 3, rects: task.shapes as Rect[] });
      await sink.file(`Annotations/${names.take(name, task.id)}.xml`, xml);
    }
  },
};
