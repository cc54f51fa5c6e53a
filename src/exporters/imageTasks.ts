// The image and regions of a task, for the formats that export image regions (COCO, VOC,
// YOLO): same completion selection (export.md §4.2), same skipping of tasks without
// regions, same image sizing.
import type { CompletionFile } from '../domain/types.ts';
import type { ParsedLabelConfig } from '../labelConfig/parse.ts';
import { singleDataKey } from './configFacts.ts';
import { dataString, selectedGroups } from './selection.ts';
import type { ExportContext, ExportSink } from './types.ts';
import { MediaFolder, md5, type ResolvedMedia } from './media.ts';
import { imageInfo, type ImageInfo } from './imageInfo.ts';
import { resultImageSize, shapesOf, type Shape } from './shapes.ts';

export interface ImageTask {
  id: number;
  url: string;
  shapes: Shape[];
}

/**
 * The task's image and its regions of the given control types, or undefined when the task
 * has no selected completion, no image reference or no region (all skipped, as in 0.8).
 */
export function imageTask(file: CompletionFile, config: ParsedLabelConfig | null, types: readonly string[], log: (msg: string) => void): ImageTask | undefined {
  const groups = selectedGroups(file, config);
  if (!groups) return undefined;
  const shapes = shapesOf(groups, types);
  if (shapes.length === 0) {
    log(`export: no regions in the completion of task ${file.id}; skipped`);
    return undefined;
  }
  const url = dataString(file, singleDataKey(config));
  if (url === undefined) {
    log(`export: task ${file.id} has no image reference; skipped`);
    return undefined;
  }
  return { id: file.id, url, shapes };
}

/** The image size from the results, or failing that from the image file itself. */
export function imageSize(task: ImageTask, media: ResolvedMedia<ImageInfo>): { width: number; height: number } | undefined {
  const fromResults = resultImageSize(task.shapes);
  if (fromResults) return fromResults;
  return media.meta && { width: media.meta.width, height: media.meta.height };
}

/** The folder images are copied or fetched into (fetched ones named by the md5 of their URL, as 0.8 did), each read for its size and channels. */
export function imageFolder(sink: ExportSink, ctx: ExportContext): MediaFolder<ImageInfo> {
  return new MediaFolder(sink, 'images', ctx, md5, imageInfo);
}
