// Labeling config XML → a typed model: object tags (what a task shows, with their data
// keys), control tags (what a completion produces, with their labels) and visual tags,
// plus the derived forms the API exposes (data_types, label_config_line). Classification
// is by attributes, as 0.8's backend does it (spec config-and-import §1.3, §1.4); the
// catalogue says what a known tag is for.
import { tagSpec } from './catalogue.ts';
import { LabelConfigError, MAX_CONFIG_BYTES, MAX_CONFIG_DEPTH, parseXmlTree, stripComments, walk, type ConfigTag } from './xml.ts';

export { LabelConfigError, MAX_CONFIG_BYTES, MAX_CONFIG_DEPTH, parseXmlTree, walk, type ConfigTag };

/** An element with a name and a value (Text, Image, ...): what a control can point at. */
export interface ObjectTag {
  tag: string;
  name: string;
  value: string;
  /** The data key of value="$key" (text after the "$"); undefined for a static value. */
  dataKey?: string;
  node: ConfigTag;
}

/** A Label or Choice of a control. */
export interface LabelItem {
  value?: string;
  alias?: string;
}

/** An element with a name and a toName (Choices, Labels, ...), Filter excepted. */
export interface ControlTag {
  tag: string;
  name: string;
  /** toName split on "," (not trimmed, as 0.8). */
  toNames: string[];
  /** Label texts: alias if present, else value, of the Label/Choice items it owns. */
  labels: string[];
  items: LabelItem[];
  /** The "type" of its results: the tag lowercased. */
  resultType: string;
  node: ConfigTag;
}

/** Any other element: layout (View), decoration (Header, Style), Filter, unknown tags. */
export interface VisualTag {
  tag: string;
  name?: string;
  /** Header value="$title" reads task data like an object tag does. */
  dataKey?: string;
  node: ConfigTag;
}

export interface ParsedLabelConfig {
  root: ConfigTag;
  objects: ObjectTag[];
  controls: ControlTag[];
  visuals: VisualTag[];
  /**
   * {"<data key>": "<tag>"} for every element below the root whose value is "$key"; a
   * later tag's type wins, the key keeps its first position (§1.3). Every task needs these.
   */
  dataTypes: Record<string, string>;
}

const nonEmpty = (s: string | undefined): s is string => typeof s === 'string' && s !== '';

/** The key of value="$key": the text after one "$", when there is any. */
export function dataKeyOf(value: string | undefined): string | undefined {
  return typeof value === 'string' && value.startsWith('$') && value.length > 1 ? value.slice(1) : undefined;
}

export function isControlNode(node: ConfigTag): boolean {
  return nonEmpty(node.attrs.name) && nonEmpty(node.attrs.toName) && node.tag !== 'Filter';
}

export function isObjectNode(node: ConfigTag): boolean {
  return !isControlNode(node) && nonEmpty(node.attrs.name) && nonEmpty(node.attrs.value);
}

const LABEL_TAGS = new Set(['Label', 'Choice']);

/** Label/Choice items below a control, skipping the subtrees of nested controls. */
export function itemsOf(control: ConfigTag): LabelItem[] {
  const items: LabelItem[] = [];
  const visit = (node: ConfigTag) => {
    for (const child of node.children) {
      if (isControlNode(child)) continue;
      if (LABEL_TAGS.has(child.tag)) {
        const { value, alias } = child.attrs;
        if (value !== undefined || alias !== undefined) items.push({ ...(value !== undefined && { value }), ...(alias !== undefined && { alias }) });
      }
      visit(child);
    }
  };
  visit(control);
  return items;
}

/**
 * The last config parsed: the project's config is parsed again by every request that needs
 * its model (GET /api/project, import, export), and a large one costs real time. Callers
 * must treat the model as read-only.
 */
let last: { xml: string; result: ParsedLabelConfig | LabelConfigError } | undefined;

export function parseLabelConfig(xml: string): ParsedLabelConfig {
  // Oversized input is refused without being kept alive by the cache.
  if (typeof xml !== 'string' || xml.length > MAX_CONFIG_BYTES) return buildModel(xml);
  if (last?.xml !== xml) {
    let result: ParsedLabelConfig | LabelConfigError;
    try {
      result = buildModel(xml);
    } catch (err) {
      if (!(err instanceof LabelConfigError)) throw err;
      result = err;
    }
    last = { xml, result };
  }
  if (last.result instanceof LabelConfigError) throw new LabelConfigError(last.result.messages);
  return last.result;
}

function buildModel(xml: string): ParsedLabelConfig {
  const root = parseXmlTree(xml);
  const objects: ObjectTag[] = [];
  const controls: ControlTag[] = [];
  const visuals: VisualTag[] = [];
  const dataTypes: Record<string, string> = {};
  for (const node of walk(root)) {
    const { name, value, toName } = node.attrs;
    const dataKey = dataKeyOf(value);
    if (dataKey !== undefined && node !== root) dataTypes[dataKey] = node.tag;
    if (isControlNode(node)) {
      const items = itemsOf(node);
      controls.push({
        tag: node.tag,
        name: name!,
        toNames: toName!.split(','),
        labels: items.map((i) => (i.alias ?? i.value)!),
        items,
        resultType: node.tag.toLowerCase(),
        node,
      });
    } else if (isObjectNode(node)) {
      objects.push({ tag: node.tag, name: name!, value: value!, ...(dataKey !== undefined && { dataKey }), node });
    } else if (tagSpec(node.tag)?.kind !== 'item') {
      visuals.push({ tag: node.tag, ...(name !== undefined && { name }), ...(dataKey !== undefined && { dataKey }), node });
    }
  }
  return { root, objects, controls, visuals, dataTypes };
}

/** The config without comments and line breaks (0.8's label_config_line). */
export function labelConfigLine(xml: string): string {
  return stripComments(xml).replace(/[\r\n]/g, '');
}
