// Which completion counts and what each control produced (export.md §4.2, §4.3),
// and the "prettify" shaping shared by JSON_MIN, CSV and TSV (§6.1).
import type { Completion, CompletionFile, Json, JsonObject } from '../domain/types.ts';
import { isCancelled, isJsonObject } from '../domain/types.ts';
import type { ParsedLabelConfig } from '../labelConfig/parse.ts';

/** The newest non-cancelled completion (ties: first listed); missing created_at counts as 0. */
export function selectCompletion(file: CompletionFile): Completion | undefined {
  let best: Completion | undefined;
  for (const c of file.completions ?? []) {
    if (!isJsonObject(c) || isCancelled(c)) continue;
    const at = typeof c.created_at === 'number' ? c.created_at : 0;
    const bestAt = best ? (typeof best.created_at === 'number' ? best.created_at : 0) : -Infinity;
    if (at > bestAt) best = c;
  }
  return best;
}

export interface OutputGroup {
  fromName: string;
  /** The control's tag in the config (Choices, Labels, ...). */
  type: string;
  values: JsonObject[];
}

/** Per-control outputs of one completion's result, in order of first appearance. */
export function outputGroups(result: unknown, config: ParsedLabelConfig | null): OutputGroup[] {
  const groups = new Map<string, OutputGroup>();
  if (!Array.isArray(result)) return [];
  for (const item of result) {
    if (!isJsonObject(item) || typeof item.from_name !== 'string') continue;
    const control = config?.controls.find((c) => c.name === item.from_name);
    if (!control) continue; // stale result after a config change
    const value: JsonObject = { ...(isJsonObject(item.value) ? item.value : {}) };
    if ('original_width' in item) value.original_width = item.original_width!;
    if ('original_height' in item) value.original_height = item.original_height!;
    let g = groups.get(item.from_name);
    if (!g) {
      g = { fromName: item.from_name, type: control.tag, values: [] };
      groups.set(item.from_name, g);
    }
    g.values.push(value);
  }
  return [...groups.values()];
}

/** A single choice collapses to its string; a lone Choices value to itself; else a list. */
export function prettify(group: OutputGroup): Json {
  const values: Json[] = group.values.map((v) =>
    group.type === 'Choices' && Array.isArray(v.choices) && v.choices.length === 1 ? v.choices[0]! : v,
  );
  return group.type === 'Choices' && values.length === 1 ? values[0]! : values;
}

/** The JSON_MIN record of a task, or undefined when no completion is selected. */
export function minRecord(file: CompletionFile, config: ParsedLabelConfig | null): JsonObject | undefined {
  const chosen = selectCompletion(file);
  if (!chosen) return undefined;
  const record: JsonObject = { ...(isJsonObject(file.data) ? file.data : {}) };
  record.id = file.id;
  for (const g of outputGroups(chosen.result, config)) record[g.fromName] = prettify(g);
  return record;
}
