// The tags of the Label Studio Frontend bundled with 0.8 (spec config-and-import §1.2), as
// data: one entry per tag. A tag not in it is refused with the nearest known name (0.8
// accepted any element name, and the labeling page then failed on it); what a catalogued
// tag needs is checked wherever it appears.
// Names are case-sensitive, as in 0.8's backend: <text> is not <Text>.

/** JSON types a task data value can have. */
export type JsonType = 'string' | 'number' | 'boolean' | 'object' | 'array';

export type TagKind =
  /** Shows task data: has name and value ("$key" binds a data key). */
  | 'object'
  /** Produces results: has name and toName; the result type is the tag lowercased. */
  | 'control'
  /** An item inside a control (Label, Choice, Relation, Shortcut) or an object (Channel). */
  | 'item'
  /** Layout and decoration (View, Header, Style); Header may still read a data key. */
  | 'visual';

export interface TagSpec {
  kind: TagKind;
  /** Attributes the tag must carry (present; an empty value counts, as in 0.8). */
  required: readonly string[];
  /** Tags it is made of; informative, other children are not an error. */
  children: readonly string[];
  /** What a task's value may be when value="$key" on this tag reads it (import checks). */
  valueTypes: readonly JsonType[];
}

const STRING: readonly JsonType[] = ['string'];
// 0.8 accepted numbers for Text and Header, and booleans passed as numbers.
const TEXTLIKE: readonly JsonType[] = ['string', 'number', 'boolean'];
const LABELS = ['Label', 'View', 'Header'];

const object = (valueTypes: readonly JsonType[] = STRING, children: readonly string[] = []): TagSpec => ({
  kind: 'object',
  required: ['name', 'value'],
  children,
  valueTypes,
});
const control = (children: readonly string[] = []): TagSpec => ({ kind: 'control', required: ['name', 'toName'], children, valueTypes: STRING });
const item = (required: readonly string[]): TagSpec => ({ kind: 'item', required, children: [], valueTypes: STRING });
const visual = (valueTypes: readonly JsonType[] = STRING): TagSpec => ({ kind: 'visual', required: [], children: ['*'], valueTypes });

export const TAG_CATALOGUE: Readonly<Record<string, TagSpec>> = {
  // Objects
  Image: object(),
  Text: object(TEXTLIKE),
  HyperText: object(),
  Audio: object(),
  AudioPlus: object(),
  Paragraphs: object(['array']),
  Table: object(['object']),
  TimeSeries: object(['object', 'array', 'string'], ['Channel']),
  // Legacy ranking list: an array of {"text": ...} items (0.8's own check was broken, Q-I8).
  List: object(['array']),
  Dialog: object(),
  // Controls
  Choices: control(['Choice', 'View', 'Header']),
  Labels: control(LABELS),
  RectangleLabels: control(LABELS),
  PolygonLabels: control(LABELS),
  KeyPointLabels: control(LABELS),
  EllipseLabels: control(LABELS),
  BrushLabels: control(LABELS),
  HyperTextLabels: control(LABELS),
  ParagraphLabels: control(LABELS),
  TimeSeriesLabels: control(LABELS),
  Rectangle: control(),
  Polygon: control(),
  KeyPoint: control(),
  Ellipse: control(),
  Brush: control(),
  TextArea: control(['Shortcut']),
  Rating: control(),
  Ranker: control(),
  Taxonomy: control(['Choice']),
  Pairwise: control(),
  // Filter has a toName, but it points at a control and produces nothing (§1.4).
  Filter: { kind: 'visual', required: ['toName'], children: [], valueTypes: STRING },
  // Items
  Choice: { ...item(['value']), children: ['Choice'] },
  Label: item(['value']),
  Relation: item(['value']),
  Relations: { kind: 'item', required: [], children: ['Relation'], valueTypes: STRING },
  Shortcut: item(['value']),
  Channel: item(['column']),
  // Layout
  View: visual(),
  Header: visual(TEXTLIKE),
  Style: visual(),
};

/** Edit distance of two short strings (insertions, deletions, substitutions). */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * The catalogued tag a mistyped one most likely meant: the same name in another case
 * (<view>), else the closest name within a few edits (<Txt>, <Choise>); undefined when
 * nothing is close.
 */
export function nearestTag(tag: string): string | undefined {
  const lower = tag.toLowerCase();
  const names = Object.keys(TAG_CATALOGUE);
  const sameLetters = names.find((n) => n.toLowerCase() === lower);
  if (sameLetters) return sameLetters;
  if (tag.length > 64) return undefined;
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(tag.length / 3)) + 1;
  for (const n of names) {
    const d = editDistance(lower, n.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [n, d];
  }
  return best;
}

/** The catalogue entry of a tag, or undefined for a tag the frontend does not know. */
export function tagSpec(tag: string): TagSpec | undefined {
  return Object.hasOwn(TAG_CATALOGUE, tag) ? TAG_CATALOGUE[tag] : undefined;
}

/** JSON types a "$key" on this tag accepts; unknown tags take strings, as in 0.8. */
export function valueTypesOf(tag: string): readonly JsonType[] {
  return tagSpec(tag)?.valueTypes ?? STRING;
}

export function jsonTypeOf(value: unknown): JsonType | 'null' {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  const t = typeof value;
  return t === 'string' || t === 'number' || t === 'boolean' ? t : 'object';
}
