// Which completion counts and what each control produced (export.md §4.2, §4.3),
// and the "prettify" shaping shared by JSON_MIN, CSV and TSV (§6.1).
import type { Completion, CompletionFile, Json, JsonObject } from '../domain/types.ts';
import { isCancelled, isJsonObject } from '../domain/types.ts';
import type { ParsedLabelConfig } from '../labelConfig/parse.ts';
import { controlTypes } from './configFacts.ts';

const createdAt = (c: Completion): number => (typeof c.created_at === 'number' ? c.created_at : 0);

/** The newest non-cancelled completion (ties: first listed); missing created_at counts as 0. */
export function selectCompletion(file: CompletionFile): Completion | undefined {
  let best: Completion | undefined;
  for (const c of Array.isArray(file.completions) ? file.completions : []) {
    if (!isJsonObject(c) || isCancelled(c)) continue;
    if (!best || createdAt(c) > createdAt(best)) best = c;
  }
  return best;
}

export interface OutputGroup {
  fromName: string;
  /** The control's tag in the config (Choices, Labels, ...), not the result's own type. */
  type: string;
  /** Copies of the results' values, with original_width/height of the result appended. */
  values: JsonObject[];
}

/** Sets a key even when it is "__proto__" (a data field or control may be named so). */
export function setKey(obj: JsonObject, key: string, value: Json): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/**
 * Per-control outputs of one completion's result, in order of first appearance. Results
 * without from_name (relations) or from a control the current config lacks are dropped.
 */
export function outputGroups(result: unknown, config: ParsedLabelConfig | null): OutputGroup[] {
  if (!Array.isArray(result)) return [];
  const types = controlTypes(config);
  const groups = new Map<string, OutputGroup>();
  for (const item of result) {
    if (!isJsonObject(item) || typeof item.from_name !== 'string') continue;
    const type = types.get(item.from_name);
    if (type === undefined) continue; // stale result after a config change
    const value: JsonObject = {};
    if (isJsonObject(item.value)) for (const [k, v] of Object.entries(item.value)) setKey(value, k, v);
    if ('original_width' in item) value.original_width = item.original_width!;
    if ('original_height' in item) value.original_height = item.original_height!;
    let g = groups.get(item.from_name);
    if (!g) {
      g = { fromName: item.from_name, type, values: [] };
      groups.set(item.from_name, g);
    }
    g.values.push(value);
  }
  return [...groups.values()];
}

/** The output groups of a task's selected completion, or undefined when none is selected. */
export function selectedGroups(file: CompletionFile, config: ParsedLabelConfig | null): OutputGroup[] | undefined {
  const chosen = selectCompletion(file);
  return chosen ? outputGroups(chosen.result, config) : undefined;
}

/** A single choice collapses to its string; a lone Choices value to itself; else a list. */
export function prettify(group: OutputGroup): Json {
  const choices = group.type === 'Choices';
  const values: Json[] = group.values.map((v) => (choices && Array.isArray(v.choices) && v.choices.length === 1 ? v.choices[0]! : v));
  return choices && values.length === 1 ? values[0]! : values;
}

/** The JSON_MIN record of a task (data, id, one key per control), or undefined when no completion is selected. */
export function minRecord(file: CompletionFile, config: ParsedLabelConfig | null): JsonObject | undefined {
  const groups = selectedGroups(file, config);
  if (!groups) return undefined;
  const record: JsonObject = {};
  if (isJsonObject(file.data)) for (const [k, v] of Object.entries(file.data)) setKey(record, k, v);
  // Assigning an existing key keeps its place: a data field named id or like a control is overwritten in place.
  record.id = file.id;
  for (const g of groups) setKey(record, g.fromName, prettify(g));
  return record;
}

/** data[key] as a string, or undefined. */
export function dataString(file: CompletionFile, key: string | undefined): string | undefined {
  if (key === undefined || !isJsonObject(file.data)) return undefined;
  const v = file.data[key];
  return typeof v === 'string' ? v : undefined;
}
