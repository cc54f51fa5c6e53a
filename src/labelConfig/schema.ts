// Step 2 of the validation pipeline: the rules of 0.8's label_config_schema.json, written
// as a table instead of a BadgerFish conversion plus a JSON-schema validator (spec
// config-and-import §1.5 step 2). Like the schema, they look only at the root View and at
// the tags reachable from it through View, Choices and Labels; attribute values that read
// as numbers or booleans are not strings to it. On top of that, every catalogued tag must
// carry its required attributes wherever it sits (0.8 let an <Audio> without a name through).
//
// Messages keep 0.8's prefix "Validation failed on {path}: ", with a path that says where
// (View/Choices/1/Choice/@value), not the misleading "... is not of type 'array'" 0.8 gave
// for a missing attribute, nor its crash text when the path held an index (Q-C2).
import { tagSpec } from './catalogue.ts';
import type { ConfigTag } from './xml.ts';

interface SchemaRule {
  /** Attributes that must be present. */
  required: readonly string[];
  /** Attributes ("@name") and text content ("$") that must stay strings after coercion. */
  strings: readonly string[];
  /** At least one child with one of these tags. */
  needsChild?: readonly string[];
  /** Direct children with this tag come as a list in the schema: one alone is refused. */
  listOf?: string;
  /** Child tags the schema goes on to check, each by its own rule. */
  checks: readonly string[];
}

const VIEW_CHECKS = ['Choices', 'Labels', 'View', 'Image', 'Text', 'HyperText'];
const objectRule: SchemaRule = { required: ['name', 'value'], strings: ['@value', '$'], checks: [] };
const itemRule: SchemaRule = { required: ['value'], strings: ['@value', '$'], checks: [] };

/** The schema, by tag; ROOT is the root View, whose children the schema checks fewer of. */
const ROOT = 'View (root)';
const SCHEMA: Readonly<Record<string, SchemaRule>> = {
  [ROOT]: { required: [], strings: [], checks: VIEW_CHECKS },
  View: { required: [], strings: [], checks: [...VIEW_CHECKS, 'Label', 'Choice'] },
  Image: objectRule,
  Text: objectRule,
  HyperText: objectRule,
  Choices: {
    required: ['name', 'toName'],
    strings: ['@name', '@toName', '$'],
    needsChild: ['Choice', 'View'],
    listOf: 'Choice',
    checks: ['Choice', 'View'],
  },
  Labels: { required: ['name', 'toName'], strings: ['@name', '@toName', '$'], needsChild: ['Label', 'View'], checks: ['Label', 'View'] },
  Choice: itemRule,
  Label: itemRule,
};

/** 0.8's type coercion of attribute values and text (xmljson BadgerFish). */
export function coerce(raw: string): string | number | boolean {
  const s = raw.trim();
  if (/^true$/i.test(s)) return true;
  if (/^false$/i.test(s)) return false;
  if (/^[+-]?\d+$/.test(s)) return Number(s);
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s) && Number.isFinite(Number(s))) return Number(s);
  return raw;
}

const fail = (path: string[], message: string) => `Validation failed on ${path.join('/')}: ${message}`;

function ruleErrors(node: ConfigTag, path: string[], rule: SchemaRule): string | undefined {
  for (const attr of rule.required) {
    if (node.attrs[attr] === undefined) return fail(path, `'${attr}' is a required property`);
  }
  for (const field of rule.strings) {
    const raw = field === '$' ? node.text.trim() : node.attrs[field.slice(1)];
    if (raw === undefined || raw === '') continue;
    const value = coerce(raw);
    if (typeof value !== 'string') return fail([...path, field], `${JSON.stringify(value)} is not of type 'string'`);
  }
  if (rule.needsChild && !node.children.some((c) => rule.needsChild!.includes(c.tag))) {
    return fail(path, `'${rule.needsChild[0]}' is a required property (add ${rule.needsChild.join(' or ')} tags inside <${node.tag}>)`);
  }
  if (rule.listOf) {
    const list = node.children.filter((c) => c.tag === rule.listOf);
    if (list.length === 1) {
      return fail(
        [...path, rule.listOf],
        `${JSON.stringify(list[0]!.attrs)} is not of type 'array': <${node.tag}> needs at least two direct <${rule.listOf}> tags (wrap a single one in a <View>)`,
      );
    }
  }
  return undefined;
}

function catalogueErrors(node: ConfigTag, path: string[]): string | undefined {
  for (const attr of tagSpec(node.tag)?.required ?? []) {
    if (node.attrs[attr] === undefined) return fail(path, `'${attr}' is a required property of <${node.tag}>`);
  }
  return undefined;
}

function check(node: ConfigTag, path: string[], rule: SchemaRule | undefined): string | undefined {
  const own = (rule && ruleErrors(node, path, rule)) ?? catalogueErrors(node, path);
  if (own) return own;
  // BadgerFish groups same-tag siblings into a list, so a tag's path carries an index only
  // when it has siblings of its own tag.
  const counts = new Map<string, number>();
  for (const c of node.children) counts.set(c.tag, (counts.get(c.tag) ?? 0) + 1);
  const seen = new Map<string, number>();
  for (const child of node.children) {
    const i = seen.get(child.tag) ?? 0;
    seen.set(child.tag, i + 1);
    const childPath = counts.get(child.tag)! > 1 ? [...path, child.tag, String(i)] : [...path, child.tag];
    const childRule = rule?.checks.includes(child.tag) ? SCHEMA[child.tag] : undefined;
    const error = check(child, childPath, childRule);
    if (error) return error;
  }
  return undefined;
}

/** The first schema problem of the tree, in document order, or undefined. */
export function schemaError(root: ConfigTag): string | undefined {
  return check(root, [root.tag], root.tag === 'View' ? SCHEMA[ROOT] : undefined);
}
