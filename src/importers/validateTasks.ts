// Checks imported items against the config's data keys (spec config-and-import §2.3,
// api.md §4.7) and turns them into tasks. All items are checked; errors come back as
// 0.8's list of strings, "Error at item {i}: {message} :: {item}", at most 100.
// A key counts as present only as the item's own (Object.hasOwn): with `in`, keys every
// object inherits ("constructor", "toString") passed for data the task does not have.
import type { JsonObject, NewTask } from '../domain/types.ts';
import { isJsonObject } from '../domain/types.ts';
// The rules themselves (data keys and their types, results naming the config's controls)
// live with the labeling config, one place for each.
import { checkTaskData, resultProblem, type TaskRules } from '../labelConfig/taskRules.ts';

export const MAX_ITEM_ERRORS = 100;
const UNDEFINED_KEY = '$undefined$';

/** Moves a "$undefined$" value (TXT lines, hosted files) to the first data key. */
export function placeUndefinedKey(data: JsonObject, dataTypes: Record<string, string>): JsonObject {
  const first = Object.keys(dataTypes)[0];
  if (first === undefined || !Object.hasOwn(data, UNDEFINED_KEY)) return data;
  const { [UNDEFINED_KEY]: value, ...rest } = data;
  // Spread and computed keys define own properties: a "__proto__" key stays data.
  return { ...rest, [first]: value! };
}

function checkAnnotations(list: unknown, kind: 'completions' | 'predictions', rules: TaskRules): string | undefined {
  if (list === undefined) return undefined;
  const singular = kind === 'completions' ? 'Completion' : 'Prediction';
  if (!Array.isArray(list)) return `Task[${kind}] must be a list`;
  for (const [i, a] of list.entries()) {
    if (!isJsonObject(a) || !Object.hasOwn(a, 'result')) return `${singular} must have "result" fields`;
    if (!Array.isArray(a.result)) return `"result" field in ${singular.toLowerCase()} must be list`;
    // Completions only: a stray one blocks config changes; predictions are suggestions.
    const problem = kind === 'completions' && rules.producers ? resultProblem(rules.producers, a.result) : undefined;
    if (problem) return `completions[${i}].${problem}`;
  }
  return undefined;
}

function checkItem(item: unknown, rules: TaskRules): { task?: NewTask; error?: string } {
  const { dataTypes, maxDataKeys } = rules;
  if (!isJsonObject(item)) return { error: 'Task root must be dict with "data", "meta", "completions", "predictions" fields' };
  if (Object.hasOwn(item, 'data')) {
    if (!isJsonObject(item.data)) return { error: 'Task[data] must be an object' };
    const data = placeUndefinedKey(item.data, dataTypes);
    const problem = checkTaskData(data, dataTypes, maxDataKeys);
    if (problem) return { error: `${problem} [assume: item["data"] = task root with values]` };
    const annotationProblem = checkAnnotations(item.completions, 'completions', rules) ?? checkAnnotations(item.predictions, 'predictions', rules);
    if (annotationProblem) return { error: annotationProblem };
    if (item.meta !== undefined && typeof item.meta !== 'object') return { error: 'Task[meta] must be an object or a list' };
    if (item.meta === null) return { error: 'Task[meta] must be an object or a list' };
    const task: NewTask = { data };
    if (item.predictions !== undefined) task.predictions = item.predictions as JsonObject[];
    if (item.completions !== undefined) task.completions = item.completions as JsonObject[];
    return { task };
  }
  const data = placeUndefinedKey(item, dataTypes);
  const problem = checkTaskData(data, dataTypes, maxDataKeys);
  if (problem) return { error: `${problem} [assume: item as is = task root with values] ` };
  return { task: { data } };
}

function itemText(item: unknown): string {
  const text = JSON.stringify(item) ?? String(item);
  return text.length > 300 ? text.slice(0, 300) + '...' : text;
}

/** Validates every item; returns the tasks, or the error list (capped at 100 with "..."). */
export function validateImportItems(items: unknown[], rules: TaskRules): { tasks: NewTask[]; errors: string[] } {
  const tasks: NewTask[] = [];
  const errors: string[] = [];
  for (let i = 0; i < items.length; i++) {
    const { task, error } = checkItem(items[i], rules);
    if (error !== undefined) {
      if (errors.length >= MAX_ITEM_ERRORS - 1) {
        errors.push('...');
        break;
      }
      errors.push(`Error at item ${i}: ${error} :: ${itemText(items[i])}`);
    } else if (errors.length === 0) {
      tasks.push(task!);
    }
  }
  return { tasks: errors.length ? [] : tasks, errors };
}
