// JSON: every completions file as stored, one array (export.md §5).
import type { ExportFormat } from './types.ts';
import { jsonArrayText } from './jsonArray.ts';

export const jsonFormat: ExportFormat = {
  name: 'JSON',
  title: 'JSON',
  description: "List of items in raw JSON format stored in one JSON file. Use to export both the data and the annotations for a dataset. It's Label Studio Common Format",
  supports: () => true,
  singleFile: { name: 'result.json', contentType: 'application/json', extension: '.json' },
  async write(records, sink) {
    await sink.file('result.json', jsonArrayText(records, (r) => r));
  },
};
