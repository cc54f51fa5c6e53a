// CONLL2003 against the reference's output (cases ner, ner_with_choices), with the quirk
// fixes of export.md §8 asserted line by line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.ts';
import { casesWithFormat, exportSingle, exportZip, goldenCase, goldenText, openGoldenProject } from './golden.ts';
import { labelSpans, tagTokens, tokenize } from '../../src/exporters/conll.ts';

it('the golden cases with CONLL2003 are ner and ner_with_choices', async () => {
  expect(await casesWithFormat('CONLL2003')).toEqual(['ner', 'ner_with_choices']);
});

describe('ner', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await openGoldenProject(await goldenCase('ner'));
  });
  afterAll(() => t.close());

  it('matches the reference but for the two tagging quirks it fixes', async () => {
    const golden = await goldenText('ner', 'CONLL2003', 'result.conll');
    // Quirk §8 "several spaces shift later offsets": in "Call   Bob now" only Bob is a Person.
    expect(golden).toContain('Bob -X- _ B-Person\nnow -X- _ I-Person\n');
    // Quirk §8 "a span ending before a token blocks later spans": "too" is the Location span.
    expect(golden).toContain('cat -X- _ B-Person\ntoo -X- _ O\n');
    const expected = golden
      .replace('Bob -X- _ B-Person\nnow -X- _ I-Person\n', 'Bob -X- _ B-Person\nnow -X- _ O\n')
      .replace('cat -X- _ B-Person\ntoo -X- _ O\n', 'cat -X- _ B-Person\ntoo -X- _ B-Location\n');
    const zip = await exportZip(t, 'CONLL2003');
    expect(zip.entries).toEqual(['result.conll']);
    expect(zip.files.get('result.conll')!.toString('utf8')).toBe(expected);
  });

  it('without zip=1 is the file itself', async () => {
    const single = await exportSingle(t, 'CONLL2003');
    expect(single.status).toBe(200);
    expect(single.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(single.headers['filename']).toMatch(/^\d{4}(-\d\d){5}\.conll$/);
    expect(single.body.toString('utf8').startsWith('-DOCSTART- -X- O\nBarack -X- _ B-Person\n')).toBe(true);
  });
});

describe('ner_with_choices', () => {
  it('exports the Labels spans of every task (the reference crashed with KeyError "start": quirk §8, Choices listed first)', async () => {
    const c = await goldenCase('ner_with_choices');
    expect(c.run.formats.CONLL2003!.error).toBe("KeyError: 'start'");
    const t = await openGoldenProject(c);
    try {
      const zip = await exportZip(t, 'CONLL2003');
      expect(zip.entries).toEqual(['result.conll']);
      expect(zip.files.get('result.conll')!.toString('utf8')).toBe(
        [
          '-DOCSTART- -X- O',
          'Anna -X- _ B-Person',
          'lives -X- _ O',
          'in -X- _ O',
          'Oslo -X- _ B-Location',
          '',
          'Bob -X- _ B-Person',
          'went -X- _ O',
          'to -X- _ O',
          'Rome -X- _ O',
          '',
          '',
        ].join('\n'),
      );
    } finally {
      await t.close();
    }
  });
});

describe('tokens and tags', () => {
  const spans = (...s: [number, number, string][]) => s.map(([start, end, label]) => ({ start, end, label }));

  it('tokens sit at their real offsets, leading and repeated whitespace included', () => {
    expect(tokenize('  Call   Bob\tnow ')).toEqual([
      { text: 'Call', start: 2 },
      { text: 'Bob', start: 9 },
      { text: 'now', start: 13 },
    ]);
  });

  it("splits on Python's whitespace: U+001C-U+001F and U+0085 split, U+FEFF does not", () => {
    expect(tokenize('a\x1cb\x85c\ufeffd').map((t) => t.text)).toEqual(['a', 'b', 'c\ufeffd']);
  });

  it('offsets are UTF-16 code units, as the browser wrote them (an emoji counts 2)', () => {
    const tokens = tokenize('😀 Bob');
    expect(tokens[1]).toEqual({ text: 'Bob', start: 3 });
    expect(tagTokens(tokens, spans([3, 6, 'Person']))).toEqual(['O', 'B-Person']);
  });

  it('B- then I- across a multi-token span, O outside', () => {
    expect(tagTokens(tokenize('New York City is big'), spans([0, 13, 'LOC']))).toEqual(['B-LOC', 'I-LOC', 'I-LOC', 'O', 'O']);
  });

  it('a span that ends before a token is passed, so the next span still tags', () => {
    expect(tagTokens(tokenize('my cat too'), spans([3, 7, 'A'], [7, 10, 'B']))).toEqual(['O', 'B-A', 'B-B']);
  });

  it('adjacent spans on adjacent tokens each start with B-', () => {
    expect(tagTokens(tokenize('Anna Bob'), spans([0, 4, 'P'], [5, 8, 'P']))).toEqual(['B-P', 'B-P']);
  });

  it('spans come sorted by start (stable), only the first label counts, values without labels are dropped', () => {
    const groups = [
      {
        fromName: 'l',
        type: 'Labels',
        values: [
          { start: 9, end: 12, labels: ['B', 'C'] },
          { start: 0, end: 3, labels: ['A'] },
          { start: 4, end: 8, labels: [] },
        ],
      },
      { fromName: 'c', type: 'Choices', values: [{ choices: ['X'] }] },
    ];
    expect(labelSpans(groups)).toEqual(spans([0, 3, 'A'], [9, 12, 'B']));
  });
});
