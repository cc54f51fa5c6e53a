// The exporter contract: a registry entry per format, each a streaming writer over the
// project's completion files (records) plus a supports(config) rule.
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { AllowList } from '../net/addresses.ts';
import type { UploadStore } from '../storage/store.ts';
import type { CompletionFile } from '../domain/types.ts';
import type { ParsedLabelConfig } from '../labelConfig/parse.ts';

/**
 * The completion files to export, in ascending task id. Every `for await` is a new pass
 * over the same snapshot (taken when the export started), so a format may read the
 * records more than once: CSV needs all its columns before the first row, COCO all its
 * categories before the first annotation. Passes are cheap, output is never held whole.
 */
export type ExportRecords = AsyncIterable<CompletionFile>;

export type FileContent = string | Buffer | Readable | AsyncIterable<string | Buffer> | Iterable<string | Buffer>;

/** Where an exporter puts its output: files relative to the export root. */
export interface ExportSink {
  /**
   * Adds a file; content may be streamed. Resolves when the sink has taken all of it.
   * Folders in the name get their directory entries automatically.
   */
  file(name: string, content: FileContent): Promise<void>;
  /** Adds an (empty) folder entry, as 0.8's zips had for images/, Annotations/ ... */
  dir(name: string): void;
}

export interface ExportContext {
  /** The current config, parsed; null when config.xml does not parse. */
  config: ParsedLabelConfig | null;
  /** The project's uploaded files (what /data/upload/<name> URLs name). */
  uploads: UploadStore;
  /** Time limit for fetching a remote image or audio file, in ms. */
  fetchTimeoutMs: number;
  /** Largest remote file fetched into an export, in bytes. */
  maxFetchBytes: number;
  /** FETCH_ALLOW: non-public hosts and ranges remote files may be fetched from. */
  fetchAllow: AllowList;
  /** The base URL imports put before /data/upload/... ('' when they are relative). */
  publicUrl: string;
  /**
   * Fires when the export is no longer wanted (the client went away): fetches in flight
   * are cancelled with it, and nothing new should start once it has fired.
   */
  signal: AbortSignal;
  log?: Logger;
}

export interface ExportFormat {
  name: string;
  title: string;
  description: string;
  /** Whether the export page offers this format for the config (export.md §3). */
  supports(config: ParsedLabelConfig | null): boolean;
  /**
   * When the output is exactly one file: its name in the zip, its type, and the extension
   * of the download when it is sent as that file (unless ?zip=1).
   */
  singleFile?: { name: string; contentType: string; extension: string };
  write(records: ExportRecords, sink: ExportSink, ctx: ExportContext): Promise<void>;
}
