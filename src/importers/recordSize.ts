// How large an import's journal record will be. The store writes an import as one JSON
// record (all-or-nothing), built as one string; V8 cannot make a string longer than
// 2^29 - 24 characters (about 512 Mi), so a larger import failed with "Invalid string
// length" after minutes of work. Input size does not bound it: a 3 MB CSV whose 50
// header names are 2,000 characters long repeats them in each of its 60,000 rows.
import type { NewTask } from '../domain/types.ts';
import { ImportFailure } from './errors.ts';

/**
 * The most characters of JSON one import may add. Half V8's string limit, not a multiple
 * of MAX_UPLOAD_SIZE: the record must be buildable whatever the upload limit is set to,
 * and half leaves room for the record's own wrapping and for the copy of each task's
 * data that its completions file holds (counted below, but as an estimate).
 */
export const MAX_IMPORT_CHARS = 256 * 1024 ** 2;

/** Characters of JSON `value` takes; Infinity if it cannot even be written as one string. */
function jsonLength(value: unknown): number {
  try {
    return JSON.stringify(value)?.length ?? 0;
  } catch {
    return Infinity; // RangeError: Invalid string length
  }
}

/**
 * The characters the tasks will take in the record (each task's JSON once, with data
 * counted again for a task whose completions go to a completions file). Stops counting
 * once past `max`, so a hopelessly large import costs only `max` characters of work.
 */
export function recordChars(tasks: readonly NewTask[], max = MAX_IMPORT_CHARS): number {
  let total = 0;
  for (const task of tasks) {
    const data = jsonLength(task.data);
    total += data + 32; // {"id":123,"data":...}
    if (task.predictions) total += jsonLength(task.predictions);
    if (task.completions?.length) total += data + jsonLength(task.completions) + 64 * task.completions.length;
    if (total > max) return total;
  }
  return total;
}

export function tooLargeToStore(max = MAX_IMPORT_CHARS): ImportFailure {
  return new ImportFailure(`The tasks of this import are too large to store at once (over ${max} characters of JSON); import them in smaller parts`, 413);
}
