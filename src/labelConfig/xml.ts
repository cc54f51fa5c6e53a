// Untrusted XML → a plain tree of tags. A label config comes from any client, so the
// reader refuses what could make it slow or large before it parses anything: a size cap,
// no DOCTYPE or ENTITY declarations (billion laughs, external entities), a depth cap.
// Only the five predefined entities and character references are decoded, so the tree
// can never be larger than the text it came from.
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export interface ConfigTag {
  tag: string;
  /** Attributes with entities decoded and line breaks normalised to spaces, as XML does. */
  attrs: Record<string, string>;
  children: ConfigTag[];
  /** The element's own text content (CDATA included, children's text excluded), decoded. */
  text: string;
}

export class LabelConfigError extends Error {
  constructor(readonly messages: string[]) {
    super(messages.join('; '));
  }
}

/** 1 MB: the largest shipped config is 12 KB; a bigger one is a mistake or an attack. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** The deepest shipped config nests 6 levels. */
export const MAX_CONFIG_DEPTH = 64;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  parseTagValue: false,
  // Entities are decoded by decodeEntities below, which knows only the predefined ones.
  processEntities: false,
  htmlEntities: false,
  commentPropName: '#comment',
  cdataPropName: '#cdata',
  trimValues: false,
  // A backstop only: toTag stops at MAX_CONFIG_DEPTH first.
  maxNestedTags: MAX_CONFIG_DEPTH * 2,
});

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const REFERENCE = /&(?:#x([0-9a-fA-F]{1,6})|#([0-9]{1,7})|([A-Za-z_:][\w.:-]*))?;?/g;

function decodeEntities(raw: string, where: string): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(REFERENCE, (match, hex: string | undefined, dec: string | undefined, name: string | undefined) => {
    if (!match.endsWith(';') || (hex === undefined && dec === undefined && name === undefined)) {
      throw new LabelConfigError([`XML is not well-formed: "&" must be written as "&amp;" (in ${where})`]);
    }
    if (name !== undefined) {
      const value = PREDEFINED[name];
      if (value === undefined) throw new LabelConfigError([`XML is not well-formed: entity "&${name};" is not defined (in ${where}); only &lt; &gt; &amp; &quot; &apos; are`]);
      return value;
    }
    const code = hex !== undefined ? parseInt(hex, 16) : Number(dec);
    if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
      throw new LabelConfigError([`XML is not well-formed: "${match}" is not a valid character (in ${where})`]);
    }
    return String.fromCodePoint(code);
  });
}

function decodeAttribute(raw: string, tag: string, name: string): string {
  const where = `attribute ${name} of <${tag}>`;
  // fast-xml-parser lets "<" through in attribute values; XML does not.
  if (raw.includes('<')) throw new LabelConfigError([`XML is not well-formed: "<" must be written as "&lt;" (in ${where})`]);
  // XML attribute-value normalisation: literal tabs and line breaks read as spaces.
  return decodeEntities(raw.replace(/\r\n|[\t\n\r]/g, ' '), where);
}

type RawNode = Record<string, unknown> & { ':@'?: Record<string, string> };

function nodeName(raw: RawNode): string | undefined {
  return Object.keys(raw).find((k) => k !== ':@');
}

function toTag(raw: RawNode, depth: number): ConfigTag | null {
  const key = nodeName(raw);
  if (!key || key === '#text' || key === '#comment' || key.startsWith('?')) return null;
  if (depth >= MAX_CONFIG_DEPTH) throw depthError();
  const attrs: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw[':@'] ?? {})) attrs[name] = decodeAttribute(String(value), key, name);
  const children: ConfigTag[] = [];
  let text = '';
  for (const c of (raw[key] as RawNode[]) ?? []) {
    const kind = nodeName(c);
    if (kind === '#text') text += decodeEntities(String(c['#text']), `the text of <${key}>`);
    else if (kind === '#cdata') text += ((c['#cdata'] as RawNode[]) ?? []).map((t) => String(t['#text'] ?? '')).join('');
    else {
      const child = toTag(c, depth + 1);
      if (child) children.push(child);
    }
  }
  return { tag: key, attrs, children, text };
}

/**
 * The comments of a config, in order: where each starts and ends and its body. An
 * unclosed "<!--" ends the search (no later "-->" can close anything). Linear on purpose:
 * a /<!--[\s\S]*?-->/ regex scans to the end for every unclosed "<!--", quadratic in
 * the size of a hostile config.
 */
export function* xmlComments(xml: string): Generator<{ start: number; end: number; body: string }> {
  let from = 0;
  for (;;) {
    const start = xml.indexOf('<!--', from);
    if (start < 0) return;
    const close = xml.indexOf('-->', start + 4);
    if (close < 0) return;
    yield { start, end: close + 3, body: xml.slice(start + 4, close) };
    from = close + 3;
  }
}

/** The config with its comments removed. */
export function stripComments(xml: string): string {
  const parts: string[] = [];
  let kept = 0;
  for (const c of xmlComments(xml)) {
    parts.push(xml.slice(kept, c.start));
    kept = c.end;
  }
  parts.push(xml.slice(kept));
  return parts.join('');
}

const depthError = () => new LabelConfigError([`Label config is nested deeper than ${MAX_CONFIG_DEPTH} levels`]);

/** Refusals that need no parsing: type, size, emptiness, declarations. */
function precheck(xml: unknown): asserts xml is string {
  if (typeof xml !== 'string') throw new LabelConfigError(['can only parse strings']);
  // Length in UTF-16 units never exceeds the UTF-8 size, so this skips counting huge strings.
  const bytes = xml.length > MAX_CONFIG_BYTES ? xml.length : Buffer.byteLength(xml);
  if (bytes > MAX_CONFIG_BYTES) {
    throw new LabelConfigError([`Label config is too large: ${xml.length > MAX_CONFIG_BYTES ? 'over ' : ''}${bytes} bytes, the limit is ${MAX_CONFIG_BYTES} bytes`]);
  }
  if (xml.trim() === '') throw new LabelConfigError(['Document is empty, line 1, column 1']);
  // Comments may mention a DOCTYPE harmlessly; anything else is a declaration we refuse.
  const outsideComments = stripComments(xml);
  if (/<!DOCTYPE/i.test(outsideComments) || /<!ENTITY/i.test(outsideComments)) {
    throw new LabelConfigError(['DOCTYPE and ENTITY declarations are not allowed in a label config']);
  }
  // fast-xml-parser passes text before or after the root by; libxml2 (and so 0.8) did not.
  const bare = outsideComments.replace(/^\ufeff/, '').trim();
  if (!bare.startsWith('<')) throw new LabelConfigError(["Start tag expected, '<' not found, line 1, column 1"]);
  if (!bare.endsWith('>')) throw new LabelConfigError(['XML is not well-formed: extra content at the end of the document']);
}

/** Checks size, refuses DTDs, checks well-formedness; returns the root element. */
export function parseXmlTree(xml: string): ConfigTag {
  precheck(xml);
  const text = xml.startsWith('\ufeff') ? xml.slice(1) : xml;
  const check = XMLValidator.validate(text, { allowBooleanAttributes: false });
  if (check !== true) {
    const e = check.err;
    throw new LabelConfigError([`XML is not well-formed: ${e.msg.replace(/\.$/, '')} (line ${e.line}${e.col ? `, column ${e.col}` : ''})`]);
  }
  let nodes: RawNode[];
  try {
    nodes = parser.parse(text) as RawNode[];
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (/nested tags/i.test(message)) throw depthError();
    throw new LabelConfigError([`XML is not well-formed: ${message}`]);
  }
  const roots: ConfigTag[] = [];
  for (const n of nodes) {
    if (nodeName(n) === '#text' || nodeName(n) === '#cdata') {
      if (String(n['#text'] ?? 'cdata').trim() !== '') throw new LabelConfigError(['XML is not well-formed: text outside the root element']);
      continue;
    }
    const tag = toTag(n, 0);
    if (tag) roots.push(tag);
  }
  if (roots.length === 0) throw new LabelConfigError(['Document is empty: no root element']);
  if (roots.length > 1) throw new LabelConfigError([`XML is not well-formed: a label config has one root element, found ${roots.length} (${roots.map((r) => `<${r.tag}>`).join(', ')})`]);
  return roots[0]!;
}

/** Every element of the tree, in document order. */
export function* walk(tag: ConfigTag): Generator<ConfigTag> {
  yield tag;
  for (const c of tag.children) yield* walk(c);
}
