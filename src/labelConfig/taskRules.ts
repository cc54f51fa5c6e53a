// What the labeling config asks of what is stored under it: a task's data must have every
// data key of the config with a value the reading tag takes, and a completion's results
// must name the config's controls. One place for both rules: import, task edits,
// completion saves and the config-change checks all read them here.
import type { JsonObject } from '../domain/types.ts';
import { isJsonObject } from '../domain/types.ts';
import { jsonTypeOf, valueTypesOf } from './catalogue.ts';
import { itemsOf, walk, type ConfigTag, type ParsedLabelConfig } from './parse.ts';

/** What one project's config asks of tasks and completions. */
export interface TaskRules {
  /** {"<data key>": "<tag>"} of the config. */
  dataTypes: Record<string, string>;
  /** What results may come from; undefined when the config does not parse (nothing is checked). */
  producers?: readonly Producer[];
  /**
   * Most data keys one task may hold (MAX_DATA_KEYS). A CSV with a 1,000,000-column header
   * made tasks that every later config check and task page walked key by key.
   */
  maxDataKeys: number;
}

/** The first problem of one task's data, or undefined. */
export function checkTaskData(data: JsonObject, dataTypes: Record<string, string>, maxDataKeys = Infinity): string | undefined {
  if (maxDataKeys !== Infinity) {
    let keys = 0;
    for (const _ in data) if (++keys > maxDataKeys) return `task data has more than ${maxDataKeys} keys; a task may have at most ${maxDataKeys} (MAX_DATA_KEYS)`;
  }
  for (const [key, tag] of Object.entries(dataTypes)) {
    if (!Object.hasOwn(data, key)) return `"${key}" key is expected in task data`;
    const value = data[key];
    const type = jsonTypeOf(value);
    const allowed = valueTypesOf(tag);
    const ok = type !== 'null' && allowed.includes(type);
    if (!ok) return `data["${key}"]=${JSON.stringify(value)} is of type "${type}", but types "${allowed.join(', ')}" are expected`;
    if (tag === 'List' && !(value as unknown[]).every((x) => isJsonObject(x) && Object.hasOwn(x, 'text'))) return 'Each item from List must have key text';
  }
  return undefined;
}

/** A tag that makes results: a control, or a tag with name="" and a toName (see producers). */
export interface Producer {
  name: string;
  tag: string;
  resultType: string;
  toNames: string[];
  node: ConfigTag;
}

/**
 * What can have made a result: the controls, and also a tag with an empty name and a
 * toName, which the frontend labels with from_name "" (the shipped text_taxonomy config
 * does this). 0.8 did not count it, so once such a task was labeled, no config change,
 * not even saving the same config, was accepted again.
 */
export function producers(config: ParsedLabelConfig): Producer[] {
  const unnamed = [...walk(config.root)]
    .filter((n) => n.attrs.name === '' && typeof n.attrs.toName === 'string' && n.attrs.toName !== '' && n.tag !== 'Filter')
    .map((node) => ({ name: '', tag: node.tag, resultType: node.tag.toLowerCase(), toNames: node.attrs.toName!.split(','), node }));
  return [...config.controls, ...unnamed];
}

/** Results that link regions rather than come from a control. */
const LINK_TYPES = new Set(['relation']);

const listed = (names: string[]) => (names.length ? names.map((n) => JSON.stringify(n)).join(', ') : 'none');

/**
 * The first result item that does not come from a control of the config, named by its
 * field (result[2].from_name ...), or undefined. 0.8 stored any result, and one naming a
 * control the config lacks then blocked every later config change.
 */
export function resultProblem(made: readonly Producer[], result: readonly unknown[]): string | undefined {
  const byName = new Map(made.map((c) => [c.name, c]));
  const names = () => listed([...byName.keys()]);
  for (let i = 0; i < result.length; i++) {
    const r = result[i];
    const at = `result[${i}]`;
    if (!isJsonObject(r)) return `${at} must be an object with from_name, to_name and type`;
    if (typeof r.type === 'string' && LINK_TYPES.has(r.type)) continue;
    if (typeof r.from_name !== 'string') return `${at}.from_name must name a control of the labeling config (${names()})`;
    const control = byName.get(r.from_name);
    if (!control) return `${at}.from_name ${JSON.stringify(r.from_name)} is not a control of the labeling config; its controls are ${names()}`;
    const to = r.to_name;
    if (typeof to !== 'string' || !(control.toNames.includes(to) || to === control.toNames.join(','))) {
      return `${at}.to_name ${JSON.stringify(to ?? null)} is not what control ${JSON.stringify(control.name)} labels (${listed(control.toNames)})`;
    }
    if (r.type !== control.resultType) {
      return `${at}.type ${JSON.stringify(r.type ?? null)} does not match control ${JSON.stringify(control.name)}: a <${control.tag}> gives type "${control.resultType}"`;
    }
    // A label the control lacks would likewise block every later config change.
    const labels = isJsonObject(r.value) ? r.value[control.resultType] : undefined;
    if (Array.isArray(labels)) {
      const texts = new Set(itemsOf(control.node).flatMap((item) => [item.value, item.alias]));
      const unknown = labels.find((l) => typeof l === 'string' && !texts.has(l));
      if (unknown !== undefined) return `${at}.value.${control.resultType} has ${JSON.stringify(unknown)}, which is not a label of control ${JSON.stringify(control.name)}`;
    }
  }
  return undefined;
}
