// BRUSH_TO_NUMPY and BRUSH_TO_PNG: every brush region decoded to an H×W mask, one file
// each at the root of the export (export.md §11):
//   task-<task id>-completion-<completion id>-<from_name>-<labels joined by ->-<n>.npy|.png
// where n counts that name within the completion. These read every completion, not the
// selected one, and do not look at the config. Fixed on purpose: cancelled (skipped)
// completions are left out (0.8 exported them too); "/" and "\" in names become "_" (0.8
// made sub-folders of them), and a name too long for a zip or a file system is cut
// (names.ts); a mask that does not decode, or is larger than MAX_MASK_PIXELS (rle.ts),
// is left out with a log line instead of failing the export.
import type { JsonObject } from '../domain/types.ts';
import { isCancelled, isJsonObject } from '../domain/types.ts';
import type { ExportFormat, FileContent } from './types.ts';
import { needsSingleKey } from './configFacts.ts';
import { decodeBrushMask } from './rle.ts';
import { npyUint8 } from './npy.ts';
import { greyPng } from './png.ts';
import { capName } from './names.ts';

export interface BrushMask {
  /** The file name without extension. */
  name: string;
  width: number;
  height: number;
  /** Row-major, top row first, one byte a pixel (the alpha the brush painted). */
  pixels: Uint8Array;
}

const safeName = (s: string) => s.replace(/[/\\\x00-\x1f]/g, '_');

export function maskName(taskId: number, completionId: unknown, regionName: string, n: number): string {
  return safeName(`task-${taskId}-completion-${String(completionId)}-${regionName}-${n}`);
}

function brushLabels(value: JsonObject): string[] {
  const l = value.brushlabels;
  return Array.isArray(l) ? l.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))) : [];
}

/** The masks of one completion file, in completion and result order. */
export function* brushMasks(file: { id: number; completions: unknown[] }, log: (msg: string) => void): Generator<BrushMask> {
  for (const c of Array.isArray(file.completions) ? file.completions : []) {
    if (!isJsonObject(c) || isCancelled(c)) continue;
    const counters = new Map<string, number>();
    for (const item of Array.isArray(c.result) ? c.result : []) {
      if (!isJsonObject(item) || item.type !== 'brushlabels' || !isJsonObject(item.value)) continue;
      const value = item.value;
      // Counted after sanitising, so two names that sanitise alike still get two files.
      const region = safeName(`${String(item.from_name)}-${brushLabels(value).join('-')}`);
      const n = counters.get(region) ?? 0;
      counters.set(region, n + 1);
      const name = capName(maskName(file.id, c.id, region, n));
      const { original_width: width, original_height: height } = item;
      if (typeof width !== 'number' || typeof height !== 'number') {
        log(`brush export: ${name} has no original_width/original_height; skipped`);
        continue;
      }
      if (!Array.isArray(value.rle) || !value.rle.every((b) => typeof b === 'number')) {
        log(`brush export: ${name} has no RLE data; skipped`);
        continue;
      }
      try {
        yield { name, width, height, pixels: decodeBrushMask(value.rle as number[], width, height) };
      } catch (err) {
        log(`brush export: ${name} does not decode (${(err as Error).message}); skipped`);
      }
    }
  }
}

function brushFormat(name: string, title: string, description: string, extension: string, encode: (m: BrushMask) => FileContent): ExportFormat {
  return {
    name,
    title,
    description,
    supports: needsSingleKey('Image', ['BrushLabels']),
    async write(records, sink, ctx) {
      const log = (msg: string) => ctx.log?.warn(msg);
      for await (const file of records) {
        for (const mask of brushMasks(file, log)) {
          await sink.file(mask.name + extension, encode(mask));
          // Decoding a mask is synchronous (up to MAX_MASK_PIXELS): let other requests in between two.
          await new Promise((r) => setImmediate(r));
        }
      }
    },
  };
}

export const brushToNumpyFormat = brushFormat(
  'BRUSH_TO_NUMPY',
  'Brush labels to NumPy',
  'Export your brush labels as NumPy 2d arrays. Each label outputs as one image.',
  '.npy',
  (m) => npyUint8(m.pixels, m.height, m.width),
);

export const brushToPngFormat = brushFormat(
  'BRUSH_TO_PNG',
  'Brush labels to PNG',
  'Export your brush labels as PNG images. Each label outputs as one image.',
  '.png',
  (m) => greyPng(m.pixels, m.width, m.height),
);
