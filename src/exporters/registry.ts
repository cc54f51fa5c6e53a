// Every export format, in the order the 0.8 export page offered them. A new format is
// one module and one line here.
import type { ParsedLabelConfig } from '../labelConfig/parse.ts';
import type { ExportFormat } from './types.ts';
import { jsonFormat } from './json.ts';
import { jsonMinFormat } from './jsonMin.ts';

export const EXPORT_FORMATS: readonly ExportFormat[] = [jsonFormat, jsonMinFormat];

export function findFormat(name: string): ExportFormat | undefined {
  return EXPORT_FORMATS.find((f) => f.name === name);
}

export function supportedFormats(config: ParsedLabelConfig | null): ExportFormat[] {
  return EXPORT_FORMATS.filter((f) => f.supports(config));
}
