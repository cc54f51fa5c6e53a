// CSV and TSV: the JSON_MIN records as a table (export.md §7). Columns are every record
// key in order of first appearance, so the records are read twice: once for the header,
// once for the rows; the output is streamed, never held whole.
import type { CompletionFile, Json } from '../domain/types.ts';
import { isJsonObject } from '../domain/types.ts';
import type { ParsedLabelConfig } from '../labelConfig/parse.ts';
import type { ExportFormat, ExportRecords } from './types.ts';
import { prettify, selectedGroups } from './selection.ts';
import { pyJson, pyNumber } from './pyText.ts';

/**
 * A data value as pandas printed it: strings as they are, True/False, null as an empty
 * cell, numbers as Python prints them (one that is not finite, as 1e999 parses, empty too). Lists and objects were Python reprs in 0.8
 * ({'a': 'x'}), which nothing but Python parses; we write them as JSON instead.
 */
export function dataCell(v: Json | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return Number.isFinite(v) ? pyNumber(v) : '';
  return pyJson(v);
}

/** A control's prettified value: a string as it is, anything else as Python's json.dumps wrote it. */
export function controlCell(v: Json): string {
  return typeof v === 'string' ? v : pyJson(v);
}

/**
 * The cells of a task's row by column name, in the order of its JSON_MIN record: data
 * keys, id, then one per control (assigning a key already there keeps its place).
 */
export function rowCells(file: CompletionFile, config: ParsedLabelConfig | null): Map<string, string> | undefined {
  const groups = selectedGroups(file, config);
  if (!groups) return undefined;
  const cells = new Map<string, string>();
  if (isJsonObject(file.data)) for (const [k, v] of Object.entries(file.data)) cells.set(k, dataCell(v));
  cells.set('id', pyNumber(file.id));
  for (const g of groups) cells.set(g.fromName, controlCell(prettify(g)));
  return cells;
}

/** Minimal quoting: only cells holding the separator, a quote or a line break (the reference left a lone \r bare; we quote it). */
export function quoteCell(cell: string, sep: string): string {
  if (cell.includes(sep) || cell.includes('"') || cell.includes('\n') || cell.includes('\r')) return '"' + cell.replace(/"/g, '""') + '"';
  return cell;
}

async function* tableText(records: ExportRecords, config: ParsedLabelConfig | null, sep: string): AsyncGenerator<string> {
  const columns = new Set<string>();
  for await (const file of records) {
    const cells = rowCells(file, config);
    if (cells) for (const k of cells.keys()) columns.add(k);
  }
  const order = [...columns];
  yield order.map((c) => quoteCell(c, sep)).join(sep) + '\n';
  for await (const file of records) {
    const cells = rowCells(file, config);
    if (!cells) continue;
    yield order.map((c) => quoteCell(cells.get(c) ?? '', sep)).join(sep) + '\n';
  }
}

function tableFormat(name: string, sep: string, title: string, description: string, contentType: string, extension: string): ExportFormat {
  return {
    name,
    title,
    description,
    supports: () => true,
    // Both formats write result.csv, as 0.8 did (TSV was never renamed); kept for compatibility.
    singleFile: { name: 'result.csv', contentType, extension },
    async write(records, sink, ctx) {
      await sink.file('result.csv', tableText(records, ctx.config, sep));
    },
  };
}

export const csvFormat = tableFormat(
  'CSV',
  ',',
  'CSV',
  'Results are stored as comma-separated values with the column names specified by the values of the "from_name" and "to_name" fields.',
  'text/csv',
  '.csv',
);

export const tsvFormat = tableFormat(
  'TSV',
  '\t',
  'TSV',
  'Results are stored in tab-separated tabular file with column names specified by "from_name" "to_name" values',
  'text/tab-separated-values',
  '.tsv',
);
