// What the converter of 0.8 looked at to decide which formats a config supports
// (export.md §3): the data keys and tag types of the objects that controls point at, and
// the control types. The rules test sets of types, not which control points where.
import type { ParsedLabelConfig } from '../labelConfig/parse.ts';

export interface ConfigFacts {
  /** Data keys of the objects some control names in toName, in config order. */
  dataKeys: string[];
  objectTypes: Set<string>;
  controlTypes: Set<string>;
}

const cache = new WeakMap<ParsedLabelConfig, ConfigFacts>();

/** An object's data key as the converter took it: value without its leading "$" characters (all of them). */
function dataKeyOf(o: { value: string }): string {
  return o.value.replace(/^\$+/, '');
}

export function configFacts(config: ParsedLabelConfig | null): ConfigFacts {
  if (!config) return { dataKeys: [], objectTypes: new Set(), controlTypes: new Set() };
  const hit = cache.get(config);
  if (hit) return hit;
  const referenced = new Set(config.controls.flatMap((c) => c.toNames.map((n) => n.trim())));
  const dataKeys: string[] = [];
  const objectTypes = new Set<string>();
  for (const o of config.objects) {
    if (!referenced.has(o.name)) continue;
    objectTypes.add(o.tag);
    const key = dataKeyOf(o);
    if (!dataKeys.includes(key)) dataKeys.push(key);
  }
  const facts = { dataKeys, objectTypes, controlTypes: new Set(config.controls.map((c) => c.tag)) };
  cache.set(config, facts);
  return facts;
}

/**
 * The rule every format beyond the four base ones shares: one data key only (a config
 * with two inputs gets JSON, JSON_MIN, CSV and TSV), an object of the given type, and a
 * control of one of the given types.
 */
export function needsSingleKey(objectType: string, controlTypes: string[]): (config: ParsedLabelConfig | null) => boolean {
  return (config) => {
    const facts = configFacts(config);
    return facts.dataKeys.length <= 1 && facts.objectTypes.has(objectType) && controlTypes.some((t) => facts.controlTypes.has(t));
  };
}

/** The single data key a config's objects read (the input of CONLL, COCO, VOC ...). */
export function singleDataKey(config: ParsedLabelConfig | null): string | undefined {
  return configFacts(config).dataKeys[0];
}

/** The control tag (Choices, Labels ...) by control name. */
export function controlTypes(config: ParsedLabelConfig | null): Map<string, string> {
  return new Map((config?.controls ?? []).map((c) => [c.name, c.tag]));
}
