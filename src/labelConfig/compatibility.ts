// Steps 6 and 7 of the validation pipeline: a new config must still read the stored tasks
// and the stored completions (spec config-and-import §1.5). Where 0.8 had holes we close
// them on purpose:
// - Q-C4: 0.8 checked only the keys of objects a control points at, so a new
//   <Header value="$title"/> was accepted and every stored task then failed to load. Here
//   every data key of the config (§1.3) is checked, and values without "$" never are.
// - Q-C5: the keys are the true intersection over all tasks; an empty one refuses any key.
// - Q-C4 too: a key whose tag changes (Text → Paragraphs) has its stored values re-checked
//   with the import rule, so a config cannot make stored tasks unreadable by type either.
// - Q-C6: a result made on any target of a multi-target control keeps it valid.
// - A tag with name="" and a toName (text_taxonomy) counts as what made its results.
import type { JsonObject } from '../domain/types.ts';
import { checkTaskData, producers } from './taskRules.ts';
import type { OutputSchema } from '../storage/store.ts';
import { valueTypesOf } from './catalogue.ts';
import { itemsOf, type ParsedLabelConfig } from './parse.ts';

export interface ProjectFacts {
  /** Data keys every stored task has (the store gives [] when there are no tasks). */
  commonDataKeys: string[];
  hasTasks: boolean;
  outputSchema: OutputSchema;
  /** The stored tasks; read only when a data key changes tag, to re-check value types. */
  tasks?: () => Iterable<{ id: number; data?: unknown }>;
  /** data_types of the config in force: keys that keep their tag need no re-check. */
  currentDataTypes?: Record<string, string>;
}

const TASKS_PREFIX = 'You have already imported tasks and they are incompatible with a new config. ';
const COMPLETIONS_PREFIX = "You've already completed some tasks, but some of them couldn't be loaded with this config: ";

const typesKey = (tag: string) => [...valueTypesOf(tag)].sort().join();

/** Whether values stored under the current tag already pass the new tag's import check. */
function stillReadable(tag: string, current: string | undefined): boolean {
  if (current === undefined) return false;
  if (current === tag) return true;
  // List also wants {"text": ...} items, which an array checked for another tag may lack.
  return tag !== 'List' && typesKey(tag) === typesKey(current);
}

export function taskCompatibilityErrors(config: ParsedLabelConfig, facts: ProjectFacts): string[] {
  if (!facts.hasTasks) return [];
  const have = new Set(facts.commonDataKeys);
  for (const key of Object.keys(config.dataTypes)) {
    if (!have.has(key)) {
      return [`${TASKS_PREFIX}You've specified value=$${key}, but imported tasks contain only keys: ${JSON.stringify(facts.commonDataKeys)}`];
    }
  }
  if (!facts.tasks) return [];
  const rules = changedDataKeys(config, facts.currentDataTypes);
  if (!rules) return [];
  for (const task of facts.tasks()) {
    const problem = storedTaskProblem(task, rules);
    if (problem) return [problem];
  }
  return [];
}

/** The data keys whose tag changes so that stored values must be checked again; undefined when none. */
export function changedDataKeys(config: ParsedLabelConfig, currentDataTypes: Record<string, string> | undefined): Record<string, string> | undefined {
  const changed = Object.entries(config.dataTypes).filter(([key, tag]) => !stillReadable(tag, currentDataTypes?.[key]));
  return changed.length ? Object.fromEntries(changed) : undefined;
}

/** The refusal for a stored task the new config cannot read, or undefined. */
export function storedTaskProblem(task: { id: number; data?: unknown }, rules: Record<string, string>): string | undefined {
  const data = task.data && typeof task.data === 'object' && !Array.isArray(task.data) ? (task.data as JsonObject) : {};
  const problem = checkTaskData(data, rules);
  return problem ? `${TASKS_PREFIX}Task ${task.id}: ${problem}` : undefined;
}

/**
 * Step 7's value check over tasks read from the store as they come (an engine may have to
 * read them from a database): the first task the new config cannot read, or [].
 */
export async function storedValueErrors(
  config: ParsedLabelConfig,
  currentDataTypes: Record<string, string> | undefined,
  tasks: () => AsyncIterable<{ id: number; data?: unknown }>,
): Promise<string[]> {
  const rules = changedDataKeys(config, currentDataTypes);
  if (!rules) return [];
  for await (const task of tasks()) {
    const problem = storedTaskProblem(task, rules);
    if (problem) return [problem];
  }
  return [];
}

export function completionCompatibilityErrors(config: ParsedLabelConfig, facts: ProjectFacts): string[] {
  const { controls, labels } = facts.outputSchema;
  if (controls.length === 0 && labels.length === 0) return [];
  const made = producers(config);
  for (const used of controls) {
    const kept = made.some((c) => c.name === used.fromName && c.resultType === used.type && c.toNames.includes(used.toName));
    if (!kept) return [`${COMPLETIONS_PREFIX}name=${used.fromName}, toName=${used.toName}, type=${used.type} are expected`];
  }
  const usedLabels = new Map<string, string[]>();
  for (const l of labels) usedLabels.set(l.fromName, [...(usedLabels.get(l.fromName) ?? []), l.label]);
  for (const [fromName, used] of usedLabels) {
    const control = made.find((c) => c.name === fromName);
    if (!control) return [`${COMPLETIONS_PREFIX}name=${fromName} is expected`];
    // A renamed label may keep the text results hold as its alias (or the other way round).
    const texts = new Set(itemsOf(control.node).flatMap((i) => [i.value, i.alias]).filter((t) => t !== undefined));
    const missing = [...new Set(used)].filter((l) => !texts.has(l));
    if (missing.length) return [`${COMPLETIONS_PREFIX}there are labels already created for "${fromName}":\n${JSON.stringify(missing)}`];
  }
  return [];
}
