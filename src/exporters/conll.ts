// CONLL2003: one token a line with its B-/I-/O tag, a blank line after each task
// (export.md §8). Where the reference tagged wrongly we tag by the text itself:
// - tokens are placed at their real offsets, so runs of whitespace do not shift later
//   tags (0.8 assumed one space between tokens: "Call   Bob now" tagged "now");
// - a span that ends before a token is passed over, so it no longer blocks the spans
//   after it (0.8: a label "cat " ending in a space left "too" untagged);
// - the spans are every Labels group of the completion, so a Choices result listed first
//   no longer crashes the export (0.8: KeyError 'start', a 500).
import type { Json } from '../domain/types.ts';
import type { ExportFormat, ExportRecords } from './types.ts';
import type { ParsedLabelConfig } from '../labelConfig/parse.ts';
import { needsSingleKey, singleDataKey } from './configFacts.ts';
import { dataString, selectedGroups, type OutputGroup } from './selection.ts';

export interface Token {
  text: string;
  /** Offset in the text, in UTF-16 code units like the browser's offsets in results. */
  start: number;
}

export interface Span {
  start: number;
  /** Exclusive. */
  end: number;
  label: string;
}

// Python's str.split() whitespace: JavaScript's \s without U+FEFF, plus U+001C-U+001F and U+0085.
const WHITESPACE_RUN = /[^\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/g;

export function tokenize(text: string): Token[] {
  return [...text.matchAll(WHITESPACE_RUN)].map((m) => ({ text: m[0], start: m.index! }));
}

/** Spans of the Labels groups, in result order then sorted by start (stable); spans without a label are dropped. */
export function labelSpans(groups: OutputGroup[]): Span[] {
  const spans: Span[] = [];
  for (const g of groups) {
    if (g.type !== 'Labels') continue;
    for (const v of g.values) {
      const labels = v.labels as Json;
      if (typeof v.start !== 'number' || typeof v.end !== 'number' || !Array.isArray(labels) || typeof labels[0] !== 'string') continue;
      // Only the first label of a multi-label span is used, as in 0.8.
      spans.push({ start: v.start, end: v.end, label: labels[0] });
    }
  }
  return spans.sort((a, b) => a.start - b.start);
}

/** One tag per token: B- on the first token a span covers, I- on the next ones, O elsewhere. */
export function tagTokens(tokens: Token[], spans: Span[]): string[] {
  let i = 0;
  let prefix = 'B-';
  return tokens.map((t) => {
    const last = t.start + t.text.length - 1;
    while (i < spans.length && spans[i]!.end <= t.start) {
      i++;
      prefix = 'B-';
    }
    const span = spans[i];
    if (!span || last < span.start) return 'O';
    const tag = prefix + span.label;
    if (span.end - 1 > last) prefix = 'I-';
    else {
      i++;
      prefix = 'B-';
    }
    return tag;
  });
}

async function* conllText(records: ExportRecords, config: ParsedLabelConfig | null, log: (msg: string) => void): AsyncGenerator<string> {
  const key = singleDataKey(config);
  yield '-DOCSTART- -X- O\n';
  for await (const file of records) {
    const groups = selectedGroups(file, config);
    if (!groups) continue;
    const text = dataString(file, key);
    if (text === undefined) {
      log(`CONLL2003: task ${file.id} has no text in data.${key ?? ''}; skipped`);
      continue;
    }
    const tokens = tokenize(text);
    const tags = tagTokens(tokens, labelSpans(groups));
    let out = '';
    for (let j = 0; j < tokens.length; j++) out += `${tokens[j]!.text} -X- _ ${tags[j]}\n`;
    yield out + '\n';
  }
}

export const conllFormat: ExportFormat = {
  name: 'CONLL2003',
  title: 'CONLL2003',
  description: 'Popular format used for the CoNLL-2003 named entity recognition challenge.',
  supports: needsSingleKey('Text', ['Labels']),
  singleFile: { name: 'result.conll', contentType: 'text/plain', extension: '.conll' },
  async write(records, sink, ctx) {
    await sink.file('result.conll', conllText(records, ctx.config, (msg) => ctx.log?.warn(msg)));
  },
};
