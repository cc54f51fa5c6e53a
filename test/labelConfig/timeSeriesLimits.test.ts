// /samples/time-series.csv builds its columns from the query: the count is capped.
import { describe, expect, it } from 'vitest';
import { timeSeriesCsv } from '../../src/labelConfig/timeSeries.ts';

describe('time-series sample limits', () => {
  it('caps a headless CSV asking for half a billion columns', () => {
    const csv = timeSeriesCsv({ time: '0', values: '1,500000000' });
    const first = csv.split('\n')[0]!.split(',');
    expect(first).toHaveLength(101); // time + 100 columns
  });

  it('caps a header CSV with thousands of named columns', () => {
    const values = Array.from({ length: 5000 }, (_, i) => `c${i}`).join(',');
    const header = timeSeriesCsv({ time: 't', values }).split('\n')[0]!.split(',');
    expect(header).toHaveLength(101);
    expect(header.slice(0, 3)).toEqual(['t', 'c0', 'c1']);
  });
});
