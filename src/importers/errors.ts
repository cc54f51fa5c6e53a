// What an importer throws when the input is at fault. The import service turns it into
// the list-shaped 4xx body the 0.8 import page prints (config-and-import §2.12); anything
// else that escapes an importer is a bug and stays a 500.

export class ImportFailure extends Error {
  constructor(
    message: string,
    /** 400 for bad input, 413 for input over a limit. */
    readonly status = 400,
  ) {
    super(message);
  }
}

/**
 * A reason a file cannot be read; the dispatcher wraps it as "Failed to parse input file
 * {name}: {reason}". Parsers' own errors (csv-parse, stream-json, yauzl) are wrapped alike.
 */
export class InputProblem extends Error {
  constructor(
    message: string,
    /** 413 when the file is over a limit. */
    readonly status = 400,
  ) {
    super(message);
  }
}

/**
 * Files parsed in one piece (JSON objects, HTML) are read into memory whole: refused
 * before reading when larger than the upload limit, which an archive member or a
 * download could otherwise exceed (ARCHIVE_LIMITS alone allowed 2 GiB).
 */
export function assertReadableWhole(file: { size: number }, maxBytes: number): void {
  if (file.size > maxBytes) throw new InputProblem(`the file is ${file.size} bytes; files read whole may be at most ${maxBytes} bytes`, 413);
}

/** "Failed to parse input file {name}: {reason}", the wrapper 0.8 put around per-file failures. */
export function fileFailure(name: string, reason: string, status = 400): ImportFailure {
  return new ImportFailure(`Failed to parse input file ${name}: ${reason}`, status);
}

export function tooManyTasks(max: number, count: number): ImportFailure {
  return new ImportFailure(`Maximum task number is ${max}, current task number is ${count}`, 413);
}

/**
 * Over the byte cap. `exact` when the size was declared up front (Content-Length); while
 * streaming we stop reading at the cap, so we only know a lower bound and say so.
 */
export function tooManyBytes(max: number, size: number, exact = true): ImportFailure {
  return new ImportFailure(`Maximum total size of all files is ${max} bytes, current size is ${exact ? '' : 'at least '}${size} bytes`, 413);
}

export const NO_DATA = 'load_tasks: No data found in DATA or in FILES';
export const NO_TASKS = 'load_tasks: No tasks added';
