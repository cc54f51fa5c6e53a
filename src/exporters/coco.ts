// COCO: images/ plus result.json with images, categories and annotations (export.md §9).
// Category and annotation ids follow task order (ascending id), from 0 as in 0.8. The
// records are read three times so the file streams: first to fetch or copy the images and
// learn the categories, which come before the annotations in the file; then once for the
// images list and once for the annotations.
// Fixed on purpose: every RectangleLabels and PolygonLabels group of a task counts (0.8
// took only the first group of the task, dropping the other control's shapes or crashing);
// a region whose pixels, size or area are not finite numbers (coordinates like 1e308, or
// a huge image) is left out with a log line: Python wrote Infinity, which is not JSON.
import type { ExportContext, ExportFormat, ExportRecords } from './types.ts';
import { configFacts } from './configFacts.ts';
import type { MediaFolder } from './media.ts';
import type { ImageInfo } from './imageInfo.ts';
import { imageFolder, imageSize, imageTask, type ImageTask } from './imageTasks.ts';
import { polygonArea, polygonPixels, rectPixels, type Shape } from './shapes.ts';
import { PyFloat, pyJsonIndented } from './pyText.ts';

const SHAPE_CONTROLS = ['RectangleLabels', 'PolygonLabels'] as const;

/** A region in pixels: rectangles in whole pixels, polygons in floats (Python printed 32.0 for those). */
interface Geometry {
  label: string;
  segmentation: number[][];
  bbox: number[];
  area: number;
  floats: boolean;
}

function geometryOf(shape: Shape, width: number, height: number): Geometry {
  if (shape.kind === 'rect') {
    const { x, y, w, h } = rectPixels(shape, width, height);
    return { label: shape.label, segmentation: [], bbox: [x, y, w, h], area: w * h, floats: false };
  }
  const pts = polygonPixels(shape, width, height);
  let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [x, y] of pts) {
    minX = Math.min(minX, x);
    minY = Math.min(minY, y);
    maxX = Math.max(maxX, x);
    maxY = Math.max(maxY, y);
  }
  return { label: shape.label, segmentation: [pts.flat()], bbox: [minX, minY, maxX - minX, maxY - minY], area: polygonArea(pts), floats: true };
}

const allFinite = (g: Geometry) => Number.isFinite(g.area) && g.bbox.every(Number.isFinite) && g.segmentation.every((p) => p.every(Number.isFinite));

function annotationOf(g: Geometry) {
  const f = (v: number) => (g.floats ? new PyFloat(v) : v);
  return { segmentation: g.segmentation.map((p) => p.map(f)), bbox: g.bbox.map(f), area: f(g.area) };
}

/** Streams one top-level array of the result: `  "key": [ ... ]`. */
async function* arrayMember(key: string, items: AsyncIterable<unknown>): AsyncGenerator<string> {
  let first = true;
  yield `  "${key}": [`;
  for await (const item of items) {
    yield (first ? '\n    ' : ',\n    ') + pyJsonIndented(item, '    ');
    first = false;
  }
  yield first ? ']' : '\n  ]';
}

export const cocoFormat: ExportFormat = {
  name: 'COCO',
  title: 'COCO',
  description: 'Popular machine learning format used by the COCO dataset for object detection and image segmentation tasks with polygons and rectangles.',
  supports: (config) => {
    const f = configFacts(config);
    return f.dataKeys.length <= 1 && f.objectTypes.has('Image') && SHAPE_CONTROLS.some((t) => f.controlTypes.has(t));
  },
  async write(records, sink, ctx) {
    sink.dir('images');
    const media = imageFolder(sink, ctx);
    const categories = new Map<string, number>();
    for await (const it of sizedTasks(records, ctx, media, (msg) => ctx.log?.warn(msg))) {
      for (const g of it.regions) if (!categories.has(g.label)) categories.set(g.label, categories.size);
    }
    await sink.file('result.json', cocoText(records, ctx, media, categories));
  },
};

interface SizedTask {
  task: ImageTask;
  width: number;
  height: number;
  fileName: string;
  /** The task's regions in pixels, those that are not finite left out. */
  regions: Geometry[];
}

/** Tasks with regions and a known image size, their images fetched or copied; every pass makes the same choices (same snapshot, same resolved media). */
async function* sizedTasks(records: ExportRecords, ctx: ExportContext, media: MediaFolder<ImageInfo>, log: (msg: string) => void): AsyncGenerator<SizedTask> {
  for await (const file of records) {
    const task = imageTask(file, ctx.config, SHAPE_CONTROLS, log);
    if (!task) continue;
    const resolved = await media.resolve(task.url);
    const size = imageSize(task, resolved);
    if (!size) {
      log(`COCO: task ${task.id} has no original_width/original_height and its image could not be read; skipped`);
      continue;
    }
    const regions: Geometry[] = [];
    for (const shape of task.shapes) {
      const g = geometryOf(shape, size.width, size.height);
      if (allFinite(g)) regions.push(g);
      else log(`COCO: a ${shape.kind === 'rect' ? 'rectangle' : 'polygon'} of task ${task.id} is too large to write (its pixels are not finite numbers); skipped`);
    }
    yield { task, ...size, fileName: resolved.fileName, regions };
  }
}

async function* cocoText(records: ExportRecords, ctx: ExportContext, media: MediaFolder<ImageInfo>, categories: Map<string, number>): AsyncGenerator<string> {
  const sized = () => sizedTasks(records, ctx, media, () => {});
  async function* images() {
    let id = 0;
    for await (const it of sized()) yield { width: it.width, height: it.height, id: id++, file_name: it.fileName };
  }
  async function* annotations() {
    let imageId = 0;
    let id = 0;
    for await (const it of sized()) {
      for (const g of it.regions) {
        const a = annotationOf(g);
        yield { id: id++, image_id: imageId, category_id: categories.get(g.label)!, segmentation: a.segmentation, bbox: a.bbox, ignore: 0, iscrowd: 0, area: a.area };
      }
      imageId++;
    }
  }
  async function* categoryList() {
    for (const [name, id] of categories) yield { id, name };
  }
  yield '{\n';
  yield* arrayMember('images', images());
  yield ',\n';
  yield* arrayMember('categories', categoryList());
  yield ',\n';
  yield* arrayMember('annotations', annotations());
  yield ',\n  "info": ' + pyJsonIndented({ year: new Date().getFullYear(), version: '1.0', contributor: 'Label Studio' }, '  ') + '\n}';
}
