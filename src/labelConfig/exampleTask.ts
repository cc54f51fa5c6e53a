// Example task data for a config (spec config-and-import §3.1, §3.2): one value per data
// key, from the canned examples of 0.8's data_examples.json, a generator per tag where a
// canned string would not do (Paragraphs, TimeSeries, List), and a sample task written
// in a config comment on top. A generated value always has a type the tag accepts, so the
// example imports into a project using the config (0.8 gave "Something" to a List).
import { readFileSync } from 'node:fs';
import type { Json, JsonObject } from '../domain/types.ts';
import { jsonTypeOf, valueTypesOf, type JsonType } from './catalogue.ts';
import { dataKeyOf } from './parse.ts';
import { normal, sampleTimes, SAMPLE_POINTS } from './timeSeries.ts';
import { walk, xmlComments, type ConfigTag } from './xml.ts';

/** editor_preview: the setup page's preview; upload: the import page's sample files. */
export type ExampleMode = 'editor_preview' | 'upload';

type Examples = Record<string, Json>;
const DATA_EXAMPLES = JSON.parse(readFileSync(new URL('./data_examples.json', import.meta.url), 'utf8')) as Record<ExampleMode, Examples>;

interface GeneratorInput {
  node: ConfigTag;
  key: string;
  examples: Examples;
  random: () => number;
}

/** valueType="url" (0.8 also read the lowercase spelling). */
const urlMode = (node: ConfigTag) => (node.attrs.valueType ?? node.attrs.valuetype) === 'url';

/** The canned value: by data key ("$video"), then by tag, then "Something". */
function canned({ node, key, examples }: GeneratorInput): Json {
  const byKey = examples[`$${key}`];
  if (byKey !== undefined) return byKey;
  const tagKey = node.tag === 'Text' ? (urlMode(node) ? 'TextUrl' : 'TextRaw') : node.tag;
  return examples[tagKey] ?? 'Something';
}

function paragraphs({ node, examples }: GeneratorInput): Json {
  const nameKey = node.attrs.nameKey ?? node.attrs.namekey ?? 'author';
  const textKey = node.attrs.textKey ?? node.attrs.textkey ?? 'text';
  const lines = (examples.Paragraphs ?? []) as JsonObject[];
  return lines.map((l) => ({ [nameKey]: l.author!, [textKey]: l.text! }));
}

const MAX_EXAMPLE_CHANNELS = 100;

function timeSeries({ node, random }: GeneratorInput): Json {
  const { timeColumn, sep, timeFormat } = node.attrs;
  // A config may list thousands of channels; an example shows the first ones (a hundred
  // points each), so one request cannot ask for a response of many megabytes.
  const columns = node.children
    .filter((c) => c.tag === 'Channel' && c.attrs.column !== undefined)
    .map((c) => c.attrs.column!)
    .slice(0, MAX_EXAMPLE_CHANNELS);
  if (urlMode(node)) {
    const query = new URLSearchParams();
    if (timeColumn !== undefined) query.set('time', timeColumn);
    query.set('values', columns.join(','));
    if (sep !== undefined) query.set('sep', sep);
    if (timeFormat !== undefined) query.set('tf', timeFormat);
    return `/samples/time-series.csv?${query.toString()}`;
  }
  const series: JsonObject = { [timeColumn ?? 'time']: sampleTimes(timeFormat) };
  for (const c of columns) series[c] = Array.from({ length: SAMPLE_POINTS }, () => normal(random));
  return series;
}

function list({ examples }: GeneratorInput): Json {
  const text = String(examples.TextRaw ?? 'Something');
  return [1, 2, 3].map((id) => ({ id, text: `${id}. ${text}` }));
}

/** Tags whose example is built rather than picked; others take the canned value. */
const GENERATORS: Readonly<Record<string, (input: GeneratorInput) => Json>> = {
  Paragraphs: paragraphs,
  TimeSeries: timeSeries,
  List: list,
};

/** A stand-in of the first type a tag accepts, when the canned value has another type. */
function fallback(types: readonly JsonType[], examples: Examples): Json {
  const byType: Record<JsonType, Json> = {
    string: 'Something',
    number: 1,
    boolean: true,
    object: examples.Table ?? {},
    array: examples.Paragraphs ?? [],
  };
  return byType[types[0] ?? 'string'];
}

/** One data object: a value for every element below the root with value="$key". */
export function exampleData(root: ConfigTag, mode: ExampleMode, random: () => number = Math.random): JsonObject {
  const examples = DATA_EXAMPLES[mode];
  const data: JsonObject = {};
  for (const node of walk(root)) {
    const key = dataKeyOf(node.attrs.value);
    if (node === root || key === undefined) continue;
    const input = { node, key, examples, random };
    const value = (GENERATORS[node.tag] ?? canned)(input);
    const types = valueTypesOf(node.tag);
    data[key] = (types as string[]).includes(jsonTypeOf(value)) ? value : fallback(types, examples);
  }
  return data;
}

/**
 * The sample task data written in a config comment, `<!-- {"data": {...}} -->` (§3.2).
 * The metadata comment every shipped config starts with ({"title": ...}) is skipped
 * (Q-E1: 0.8 merged title, category and complexity into the sample task).
 */
export function predefinedData(xml: string): JsonObject | undefined {
  for (const { body } of xmlComments(xml)) {
    const text = body.trimStart();
    if (!text.startsWith('{')) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      continue;
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) continue;
    const o = parsed as JsonObject;
    if ('data' in o) return o.data && typeof o.data === 'object' && !Array.isArray(o.data) ? (o.data as JsonObject) : undefined;
    if ('completions' in o || 'predictions' in o) return undefined;
    if ('title' in o) continue;
    return o;
  }
  return undefined;
}

/** The setup page's example: generated preview data with the config's sample task on top. */
export function importExampleData(xml: string, root: ConfigTag, random: () => number = Math.random): JsonObject {
  return { ...exampleData(root, 'editor_preview', random), ...predefinedData(xml) };
}
