// The tag catalogue: one entry per frontend tag, and value types that agree with import.
import { describe, expect, it } from 'vitest';
import { checkTaskData } from '../../src/labelConfig/taskRules.ts';
import { TAG_CATALOGUE, jsonTypeOf, tagSpec, valueTypesOf } from '../../src/labelConfig/catalogue.ts';
import type { Json } from '../../src/domain/types.ts';

// The tags the Label Studio Frontend bundled with 0.8 registers (spec §1.2).
const FRONTEND_TAGS = [
  'Audio', 'AudioPlus', 'Brush', 'BrushLabels', 'Channel', 'Choice', 'Choices', 'Dialog', 'Ellipse', 'EllipseLabels', 'Filter',
  'Header', 'HyperText', 'HyperTextLabels', 'Image', 'KeyPoint', 'KeyPointLabels', 'Label', 'Labels', 'List', 'Pairwise',
  'ParagraphLabels', 'Paragraphs', 'Polygon', 'PolygonLabels', 'Ranker', 'Rating', 'Rectangle', 'RectangleLabels', 'Relation',
  'Relations', 'Shortcut', 'Style', 'Table', 'Taxonomy', 'Text', 'TextArea', 'TimeSeries', 'TimeSeriesLabels', 'View',
];

describe('TAG_CATALOGUE', () => {
  it('has one entry per frontend tag and no other', () => {
    expect(Object.keys(TAG_CATALOGUE).sort()).toEqual([...FRONTEND_TAGS].sort());
  });

  it.each([
    ['Image', 'object', ['name', 'value']],
    ['Choices', 'control', ['name', 'toName']],
    ['Label', 'item', ['value']],
    ['Channel', 'item', ['column']],
    ['Filter', 'visual', ['toName']],
    ['View', 'visual', []],
  ])('%s is a %s needing %j', (tag, kind, required) => {
    expect(tagSpec(tag)).toMatchObject({ kind, required });
  });

  it('knows tags case-sensitively, as the backend does', () => {
    expect(tagSpec('text')).toBeUndefined();
    expect(tagSpec('constructor')).toBeUndefined();
    expect(valueTypesOf('Video')).toEqual(['string']);
  });

  // One sample value per JSON type; List items carry "text", as a List needs.
  const SAMPLES: Json[] = ['s', 1.5, true, { a: 1 }, [{ text: 'x' }], null];
  const tags = [...Object.keys(TAG_CATALOGUE), 'Unknown'];
  it.each(tags)('value types of %s agree with the import check', (tag) => {
    const allowed = valueTypesOf(tag) as string[];
    for (const value of SAMPLES) {
      const imported = checkTaskData({ k: value }, { k: tag }) === undefined;
      expect({ type: jsonTypeOf(value), imported }).toEqual({ type: jsonTypeOf(value), imported: allowed.includes(jsonTypeOf(value)) });
    }
  });
});
