// The input kinds of a file import and the one dispatch over them (config-and-import §2.4):
// a file's extension (case-insensitive; 0.8 hosted "A.CSV" as a binary, Quirk Q-I2) picks
// the first kind that takes it; what no kind takes is hosted. A new kind is one entry here.
import { collectDelimited } from './csv.ts';
import { fileFailure, ImportFailure, InputProblem } from './errors.ts';
import { isSystemError } from '../errors.ts';
import { collectHosted } from './hosted.ts';
import { collectHtml } from './html.ts';
import { collectJson } from './json.ts';
import { extensionOf } from './names.ts';
import { collectLines } from './txt.ts';
import { archiveBudget, collectArchive } from './zip.ts';
import { TaskCollector, type CollectContext, type InputFile } from './types.ts';

export interface InputKind {
  name: string;
  /** Lower-case extensions it takes; none = every file (the fallback). */
  extensions?: readonly string[];
  /** False when the config wants this extension hosted instead (CSV for TimeSeries). */
  appliesTo?(dataTypes: Record<string, string>): boolean;
  /** The whole file becomes one value: only possible with at most one data key. */
  oneDataKey?: boolean;
  /** Archives are not counted in "formats"; their members are. */
  counted: boolean;
  collect(file: InputFile, ctx: CollectContext): Promise<void>;
}

export const MULTIPLE_DATA_KEYS =
  'Your label config has more than one data keys, direct file upload supports only one data key. To import data with multiple data keys use JSON or CSV';

/** A TimeSeries-only config reads its CSV by URL (valueType="url"), so the CSV is hosted. */
function isTimeSeriesOnly(dataTypes: Record<string, string>): boolean {
  const tags = Object.values(dataTypes);
  return tags.length === 1 && tags[0] === 'TimeSeries';
}

export const INPUT_KINDS: readonly InputKind[] = [
  { name: 'zip', extensions: ['.zip'], counted: false, collect: (file, ctx) => collectArchive(file, ctx, collectFile) },
  {
    name: 'rar',
    extensions: ['.rar'],
    counted: false,
    collect: () => Promise.reject(new InputProblem('RAR archives are not supported')),
  },
  {
    name: 'csv',
    extensions: ['.csv'],
    appliesTo: (types) => !isTimeSeriesOnly(types),
    counted: true,
    collect: (file, ctx) => collectDelimited(file.path, { delimiter: ',', name: file.name, maxColumns: ctx.maxDataKeys }, ctx.collector),
  },
  {
    name: 'tsv',
    extensions: ['.tsv'],
    appliesTo: (types) => !isTimeSeriesOnly(types),
    counted: true,
    collect: (file, ctx) => collectDelimited(file.path, { delimiter: '\t', name: file.name, maxColumns: ctx.maxDataKeys }, ctx.collector),
  },
  { name: 'txt', extensions: ['.txt'], counted: true, collect: (file, ctx) => collectLines(file.path, ctx.collector) },
  { name: 'json', extensions: ['.json'], counted: true, collect: collectJson },
  { name: 'html', extensions: ['.html', '.htm', '.xml'], oneDataKey: true, counted: true, collect: collectHtml },
  { name: 'hosted', oneDataKey: true, counted: true, collect: collectHosted },
];

export function kindOf(name: string, dataTypes: Record<string, string>): InputKind {
  const ext = extensionOf(name).toLowerCase();
  return INPUT_KINDS.find((k) => (k.extensions ? k.extensions.includes(ext) : true) && (k.appliesTo?.(dataTypes) ?? true))!;
}

/** Adds one file's items to the collector; every failure names the file. */
export async function collectFile(file: InputFile, ctx: CollectContext): Promise<void> {
  const kind = kindOf(file.name, ctx.dataTypes);
  if (kind.oneDataKey && Object.keys(ctx.dataTypes).length > 1) throw fileFailure(file.name, MULTIPLE_DATA_KEYS);
  if (kind.counted) ctx.collector.countFormat(extensionOf(file.name));
  try {
    await kind.collect(file, ctx);
  } catch (err) {
    if (err instanceof ImportFailure || isSystemError(err)) throw err;
    throw fileFailure(file.name, (err as Error).message, err instanceof InputProblem ? err.status : 400);
  }
}

export interface CollectOptions {
  dataTypes: Record<string, string>;
  tempDir: string;
  publicUrl: string;
  /** '?project=<name>' on upload URLs of a project addressed by name, else ''. */
  urlQuery?: string;
  maxTasks: number;
  /** The upload limit (MAX_UPLOAD_SIZE). */
  maxBytes: number;
  /** Most data keys one task may hold (MAX_DATA_KEYS). */
  maxDataKeys: number;
}

/** The items of several files, in order; hosted files wait in the collector's uploads. */
export async function collectFiles(files: readonly InputFile[], options: CollectOptions): Promise<TaskCollector> {
  const ctx: CollectContext = {
    dataTypes: options.dataTypes,
    collector: new TaskCollector(options.maxTasks),
    tempDir: options.tempDir,
    publicUrl: options.publicUrl,
    urlQuery: options.urlQuery ?? '',
    maxBytes: options.maxBytes,
    maxDataKeys: options.maxDataKeys,
    archive: archiveBudget(options.maxBytes),
    depth: 0,
  };
  for (const file of files) await collectFile(file, ctx);
  return ctx.collector;
}
