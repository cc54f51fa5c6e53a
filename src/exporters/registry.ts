// Every export format, in the order the 0.8 export page offered them (ASR_MANIFEST came
// with converter 0.0.23, YOLO is ours). A new format is one module and one line here.
import type { ParsedLabelConfig } from '../labelConfig/parse.ts';
import type { ExportFormat } from './types.ts';
import { jsonFormat } from './json.ts';
import { jsonMinFormat } from './jsonMin.ts';
import { csvFormat, tsvFormat } from './csv.ts';
import { conllFormat } from './conll.ts';
import { cocoFormat } from './coco.ts';
import { vocFormat } from './voc.ts';
import { brushToNumpyFormat, brushToPngFormat } from './brush.ts';
import { asrManifestFormat } from './asrManifest.ts';
import { yoloFormat } from './yolo.ts';

export const EXPORT_FORMATS: readonly ExportFormat[] = [
  jsonFormat,
  jsonMinFormat,
  csvFormat,
  tsvFormat,
  conllFormat,
  cocoFormat,
  vocFormat,
  brushToNumpyFormat,
  brushToPngFormat,
  asrManifestFormat,
  yoloFormat,
];

export function findFormat(name: string): ExportFormat | undefined {
  return EXPORT_FORMATS.find((f) => f.name === name);
}

export function supportedFormats(config: ParsedLabelConfig | null): ExportFormat[] {
  return EXPORT_FORMATS.filter((f) => f.supports(config));
}
