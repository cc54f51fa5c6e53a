// Labeling config XML → a tree of tags, with the derived forms the API exposes
// (data_types, label_config_line) and the object/control split of Label Studio 0.8.
// Untrusted input: DOCTYPE and entity declarations are refused before parsing.
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export interface ConfigTag {
  tag: string;
  attrs: Record<string, string>;
  children: ConfigTag[];
}

/** An element with name and value (Text, Image, ...): what a control can point at. */
export interface ObjectTag {
  tag: string;
  name: string;
  value: string;
  /** value without its leading "$", or undefined when the value is not a $variable. */
  dataKey?: string;
}

/** An element with name and toName (Choices, Labels, ...), Filter excepted. */
export interface ControlTag {
  tag: string;
  name: string;
  toNames: string[];
  /** value (or alias) of Label/Choice children, at any depth. */
  labels: string[];
  node: ConfigTag;
}

export interface ParsedLabelConfig {
  root: ConfigTag;
  objects: ObjectTag[];
  controls: ControlTag[];
  /** {"<data key>": "<tag>"} for every element whose value is "$key" (later ones win). */
  dataTypes: Record<string, string>;
}

export class LabelConfigError extends Error {
  constructor(readonly messages: string[]) {
    super(messages.join('; '));
  }
}

export const MAX_CONFIG_BYTES = 1024 * 1024;
export const MAX_CONFIG_DEPTH = 64;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  parseTagValue: false,
  processEntities: false,
  htmlEntities: false,
  commentPropName: '#comment',
  trimValues: false,
});

type RawNode = Record<string, unknown> & { ':@'?: Record<string, string> };

function toTag(raw: RawNode, depth: number): ConfigTag | null {
  const key = Object.keys(raw).find((k) => k !== ':@');
  if (!key || key === '#text' || key === '#comment' || key.startsWith('?')) return null;
  if (depth > MAX_CONFIG_DEPTH) throw new LabelConfigError([`Label config is nested deeper than ${MAX_CONFIG_DEPTH} levels`]);
  const children = ((raw[key] as RawNode[]) ?? []).map((c) => toTag(c, depth + 1)).filter((c): c is ConfigTag => c !== null);
  return { tag: key, attrs: { ...(raw[':@'] ?? {}) }, children };
}

/** Checks size, refuses DTDs, checks well-formedness; returns the root element. */
export function parseXmlTree(xml: string): ConfigTag {
  if (typeof xml !== 'string') throw new LabelConfigError(['can only parse strings']);
  if (Buffer.byteLength(xml) > MAX_CONFIG_BYTES) throw new LabelConfigError([`Label config is larger than ${MAX_CONFIG_BYTES} bytes`]);
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new LabelConfigError(['DOCTYPE and ENTITY declarations are not allowed in a label config']);
  const check = XMLValidator.validate(xml, { allowBooleanAttributes: true });
  if (check !== true) {
    const e = check.err;
    throw new LabelConfigError([`XML is not well-formed: ${e.msg} (line ${e.line}, column ${e.col})`]);
  }
  const roots = (parser.parse(xml) as RawNode[]).map((n) => toTag(n, 0)).filter((n): n is ConfigTag => n !== null);
  if (roots.length !== 1) throw new LabelConfigError(['Label config must have exactly one root element']);
  return roots[0]!;
}

export function* walk(tag: ConfigTag): Generator<ConfigTag> {
  yield tag;
  for (const c of tag.children) yield* walk(c);
}

export function parseLabelConfig(xml: string): ParsedLabelConfig {
  const root = parseXmlTree(xml);
  const objects: ObjectTag[] = [];
  const controls: ControlTag[] = [];
  const dataTypes: Record<string, string> = {};
  for (const node of walk(root)) {
    const { name, value, toName } = node.attrs;
    if (typeof value === 'string' && value.startsWith('$') && value.length > 1) dataTypes[value.slice(1)] = node.tag;
    if (name !== undefined && toName !== undefined && node.tag !== 'Filter') {
      const labels: string[] = [];
      for (const child of walk(node)) {
        if (child === node) continue;
        if (child.attrs.value !== undefined) labels.push(child.attrs.value);
        if (child.attrs.alias !== undefined) labels.push(child.attrs.alias);
      }
      controls.push({ tag: node.tag, name, toNames: toName.split(','), labels, node });
    } else if (name !== undefined && value !== undefined) {
      const dataKey = value.startsWith('$') ? value.replace(/^\$+/, '') : undefined;
      objects.push(dataKey === undefined ? { tag: node.tag, name, value } : { tag: node.tag, name, value, dataKey });
    }
  }
  return { root, objects, controls, dataTypes };
}

/** The config without comments and line breaks (0.8's label_config_line). */
export function labelConfigLine(xml: string): string {
  return xml.replace(/<!--[\s\S]*?-->/g, '').replace(/[\r\n]/g, '');
}
