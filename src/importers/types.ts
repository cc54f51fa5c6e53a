// The shapes shared by the importers: an input file on disk, the collector that gathers
// the raw items of one import, and the context every input kind reads.

/** One input: an uploaded part, an archive member or a download, already on disk. */
export interface InputFile {
  /** The name its extension is taken from, and that messages show ("x.zip/a/b.txt"). */
  name: string;
  /** A temporary file owned by this import. */
  path: string;
  size: number;
}

/** A file to copy into upload/ once the whole import has passed validation (0.8 Quirk Q-I9). */
export interface PendingUpload {
  storedName: string;
  tempPath: string;
}

/**
 * The raw items of one import, in input order, plus what the response counts. Items past
 * the task limit are counted but not kept, so a request with 10 million rows is refused
 * with its real count without holding those rows.
 */
export class TaskCollector {
  readonly items: unknown[] = [];
  readonly formats: Record<string, number> = {};
  readonly uploads = new Map<string, PendingUpload>();
  private readonly heldPaths = new Set<string>();
  count = 0;

  constructor(readonly maxTasks: number) {}

  add(item: unknown): void {
    this.count++;
    if (this.count <= this.maxTasks) this.items.push(item);
  }

  /** True once the limit is passed: later items are only counted. */
  get overLimit(): boolean {
    return this.count > this.maxTasks;
  }

  countFormat(ext: string): void {
    this.formats[ext] = (this.formats[ext] ?? 0) + 1;
  }

  hold(upload: PendingUpload): void {
    if (this.uploads.has(upload.storedName)) return;
    this.uploads.set(upload.storedName, upload);
    this.heldPaths.add(upload.tempPath);
  }

  /** Whether a temporary file must survive until the uploads are written. */
  holds(tempPath: string): boolean {
    return this.heldPaths.has(tempPath);
  }
}

/** Caps on what archives may expand to (zip bombs): shared by nested archives. */
export interface ArchiveBudget {
  /** What is left. */
  members: number;
  bytes: number;
  /** The caps themselves, for messages. */
  readonly maxMembers: number;
  readonly maxBytes: number;
}

export interface CollectContext {
  /** {"<data key>": "<tag>"} of the current label config. */
  dataTypes: Record<string, string>;
  collector: TaskCollector;
  /** Where archive members are extracted; removed by the caller after the import. */
  tempDir: string;
  /** Prefix of /data/upload/... URLs ('' = relative). */
  publicUrl: string;
  /** Suffix of those URLs: '?project=<name>' for a project addressed by name, else ''. */
  urlQuery: string;
  /** The upload limit (MAX_UPLOAD_SIZE): also caps what archives expand to and what is read whole. */
  maxBytes: number;
  /** Most data keys one task may hold (MAX_DATA_KEYS): a wider CSV is refused at its header. */
  maxDataKeys: number;
  /** What is left of the archive caps. */
  archive: ArchiveBudget;
  /** How many archives deep the current file is. */
  depth: number;
}

/** The 0.8 placeholder key that lands in the first data key (TXT lines, HTML, hosted files). */
export const UNDEFINED_KEY = '$undefined$';
