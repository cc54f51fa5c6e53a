// CSV and TSV files (config-and-import §2.5): the header row names the data keys, every
// other row is one task. 0.8 read them with pandas, so we keep what pandas did that users
// rely on: duplicate and empty header names, NA tokens as "", and one type per column
// (all integers → numbers, all true/false → booleans, otherwise the text as it is).
// The file is parsed as a stream: only the rows themselves (the tasks) are held.
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Transform, Writable } from 'node:stream';
import { parse, type Info } from 'csv-parse';
import type { JsonObject } from '../domain/types.ts';
import { InputProblem } from './errors.ts';
import { setOwn } from './ownKeys.ts';
import type { TaskCollector } from './types.ts';
import { utf8Guard } from './utf8.ts';

/** pandas' default NA tokens (read_csv na_values), which 0.8 turned into "". */
const NA_TOKENS = new Set(['', '#N/A', '#N/A N/A', '#NA', '-1.#IND', '-1.#QNAN', '-NaN', '-nan', '1.#IND', '1.#QNAN', '<NA>', 'N/A', 'NA', 'NULL', 'NaN', 'n/a', 'nan', 'null']);
const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const BOOLEAN = /^(true|false)$/i;

/**
 * Header cells → keys: empty cells become "Unnamed: {i}", repeats "x.1", "x.2" (as pandas).
 * Each name remembers the next suffix to try, so a header of n equal names is linear
 * (counting up from 1 for every repeat was quadratic).
 */
export function headerKeys(cells: string[]): string[] {
  const used = new Set<string>();
  const nextSuffix = new Map<string, number>();
  return cells.map((cell, i) => {
    const base = cell === '' ? `Unnamed: ${i}` : cell;
    let key = base;
    if (used.has(key)) {
      let n = nextSuffix.get(base) ?? 1;
      while (used.has(`${base}.${n}`)) n++;
      key = `${base}.${n}`;
      nextSuffix.set(base, n + 1);
    }
    used.add(key);
    return key;
  });
}

/** What one column's non-empty cells have all been so far. */
class ColumnType {
  integers = true;
  decimals = true;
  booleans = true;
  nonEmpty = false;
  /** An integer past 2^53: a JavaScript number would change its digits. */
  longInteger = false;

  see(cell: string): void {
    this.nonEmpty = true;
    if (this.integers || this.decimals) {
      const isInteger = INTEGER.test(cell);
      if (isInteger && !Number.isSafeInteger(Number(cell))) this.longInteger = true;
      if (!isInteger) this.integers = false;
      if (!isInteger && !DECIMAL.test(cell)) this.decimals = false;
    }
    if (this.booleans && !BOOLEAN.test(cell)) this.booleans = false;
  }

  /** The converter for this column, or undefined to keep the text. */
  converter(): ((cell: string) => string | number | boolean) | undefined {
    if (!this.nonEmpty) return undefined;
    if (this.booleans) return (c) => (c === '' ? '' : c.toLowerCase() === 'true');
    if ((this.integers || this.decimals) && !this.longInteger) return (c) => (c === '' ? '' : Number(c));
    return undefined;
  }
}

/**
 * Refuses a header wider than maxColumns before csv-parse sees it: csv-parse takes about
 * 5 s for a record of 1,000,000 fields, so counting there came too late. Counts the
 * delimiters outside quotes up to the first line break outside quotes, then lets the rest
 * of the file through untouched.
 */
function headerWidthGuard(delimiter: string, maxColumns: number): Transform {
  const code = delimiter.charCodeAt(0);
  let columns = 1;
  let quoted = false;
  let headerDone = false;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (!headerDone) {
        for (let i = 0; i < chunk.length; i++) {
          const c = chunk[i]!;
          if (c === 0x22) quoted = !quoted;
          else if (quoted) continue;
          else if (c === code && ++columns > maxColumns) {
            return done(new InputProblem(`the header has more than ${maxColumns} columns; a task may have at most ${maxColumns} data keys (MAX_DATA_KEYS)`));
          } else if (c === 0x0a) {
            headerDone = true;
            break;
          }
        }
      }
      done(null, chunk);
    },
  });
}

export interface DelimitedOptions {
  delimiter: ',' | '\t';
  /** The file name for messages. */
  name: string;
  /** Most columns (a task's data keys); a wider header is refused before any row is read. */
  maxColumns: number;
}

/** Streams a CSV/TSV file into the collector as {"data": row} items. */
export async function collectDelimited(path: string, options: DelimitedOptions, collector: TaskCollector): Promise<void> {
  let keys: string[] | undefined;
  let columns: ColumnType[] = [];
  const rows: JsonObject[] = [];

  const sink = new Writable({
    objectMode: true,
    write(entry: { record: string[]; info: Info }, _enc, done) {
      const { record, info } = entry;
      if (!keys) {
        keys = headerKeys(record);
        columns = keys.map(() => new ColumnType());
        return done();
      }
      if (record.length > keys.length) {
        return done(new InputProblem(`Error tokenizing data. C error: Expected ${keys.length} fields in line ${info.lines}, saw ${record.length}`));
      }
      if (collector.overLimit) {
        collector.add(null);
        return done();
      }
      // A "__proto__" column is data like any other (setOwn).
      const row: JsonObject = {};
      for (let i = 0; i < keys.length; i++) {
        const raw = record[i] ?? '';
        if (NA_TOKENS.has(raw)) {
          setOwn(row, keys[i]!, '');
        } else {
          setOwn(row, keys[i]!, raw);
          columns[i]!.see(raw);
        }
      }
      collector.add({ data: row });
      if (!collector.overLimit) rows.push(row);
      done();
    },
  });

  await pipeline(
    createReadStream(path),
    headerWidthGuard(options.delimiter, options.maxColumns),
    utf8Guard(),
    parse({
      delimiter: options.delimiter,
      bom: true,
      info: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
    }),
    sink,
  );
  if (!keys) throw new InputProblem('No columns to parse from file');

  // Types are known only after the last row: convert the kept rows in place.
  const convert = keys.map((key, i) => [key, columns[i]!.converter()] as const).filter(([, c]) => c !== undefined);
  if (convert.length === 0) return;
  for (const row of rows) for (const [key, c] of convert) setOwn(row, key, c!(row[key] as string));
}
