// The exporter contract: a registry entry per format, each a streaming writer over the
// project's completion files (records) plus a supports(config) rule.
import type { Readable } from 'node:stream';
import type { CompletionFile } from '../domain/types.ts';
import type { ParsedLabelConfig } from '../labelConfig/parse.ts';

/** Where an exporter puts its output: files relative to the export root. */
export interface ExportSink {
  /** Adds a file; content may be streamed. Resolves when the sink has taken it. */
  file(name: string, content: string | Buffer | Readable | AsyncIterable<string | Buffer> | Iterable<string | Buffer>): Promise<void>;
  /** Adds an (empty) folder entry, as 0.8's zips had for images/, Annotations/ ... */
  dir(name: string): void;
}

export interface ExportContext {
  /** The current config, parsed; null when config.xml does not parse. */
  config: ParsedLabelConfig | null;
  /** The project folder (uploaded files are under upload/). */
  projectDir: string;
  /** Time limit for fetching a remote image or audio file, in ms. */
  fetchTimeoutMs: number;
}

export interface ExportFormat {
  name: string;
  title: string;
  description: string;
  /** Whether the export page offers this format for the config (export.md §3). */
  supports(config: ParsedLabelConfig | null): boolean;
  /** When the output is exactly one file, its name and type: sent as that file unless ?zip=1. */
  singleFile?: { name: string; contentType: string };
  write(records: AsyncIterable<CompletionFile>, sink: ExportSink, ctx: ExportContext): Promise<void>;
}
