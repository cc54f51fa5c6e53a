// JSON_MIN: one flat record per task with a selected completion (export.md §6).
import type { ExportFormat } from './types.ts';
import { jsonArrayText } from './jsonArray.ts';
import { minRecord } from './selection.ts';

export const jsonMinFormat: ExportFormat = {
  name: 'JSON_MIN',
  title: 'JSON-MIN',
  description: 'List of items where only "from_name", "to_name" values from the raw JSON format are exported. Use to export only the annotations and the data for a dataset, and no Label-Studio-specific fields.',
  supports: () => true,
  singleFile: { name: 'result.json', contentType: 'application/json', extension: '.json' },
  async write(records, sink, ctx) {
    await sink.file('result.json', jsonArrayText(records, (r) => minRecord(r, ctx.config)));
  },
};
