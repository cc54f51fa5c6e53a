// Generated time series for example tasks and GET /samples/time-series.csv (spec
// config-and-import §3.1, §3.5): 100 points, times 0..99 or the days from 2020-01-01 in
// the config's time format, values drawn from a standard normal distribution.

export const SAMPLE_POINTS = 100;

/** A standard normal number (Box-Muller) from a uniform source. */
export function normal(random: () => number): number {
  const u = 1 - random(); // (0, 1]: log(0) would be -Infinity
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** strftime directives Python's datetime knows and sample dates can use (UTC, midnight). */
const DIRECTIVES: Record<string, (d: Date) => string> = {
  Y: (d) => String(d.getUTCFullYear()),
  y: (d) => pad(d.getUTCFullYear() % 100),
  m: (d) => pad(d.getUTCMonth() + 1),
  d: (d) => pad(d.getUTCDate()),
  H: (d) => pad(d.getUTCHours()),
  I: (d) => pad(d.getUTCHours() % 12 || 12),
  p: (d) => (d.getUTCHours() < 12 ? 'AM' : 'PM'),
  M: (d) => pad(d.getUTCMinutes()),
  S: (d) => pad(d.getUTCSeconds()),
  f: (d) => pad(d.getUTCMilliseconds() * 1000, 6),
  j: (d) => pad(Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1, 3),
  b: (d) => MONTHS[d.getUTCMonth()]!.slice(0, 3),
  B: (d) => MONTHS[d.getUTCMonth()]!,
  a: (d) => DAYS[d.getUTCDay()]!.slice(0, 3),
  A: (d) => DAYS[d.getUTCDay()]!,
  z: () => '',
  Z: () => '',
  '%': () => '%',
};

export function strftime(format: string, date: Date): string {
  return format.replace(/%(.)/g, (all, c: string) => DIRECTIVES[c]?.(date) ?? all);
}

/** The time column's values: formatted days for a strftime format (or yyyy-MM-dd), else 0..99. */
export function sampleTimes(timeFormat: string | undefined, n = SAMPLE_POINTS): (string | number)[] {
  const format = timeFormat === 'yyyy-MM-dd' ? '%Y-%m-%d' : timeFormat;
  if (!format || !format.includes('%')) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: n }, (_, i) => strftime(format, new Date(Date.UTC(2020, 0, 1 + i))));
}

export interface TimeSeriesCsvQuery {
  time?: string;
  /** Value columns, comma separated. */
  values?: string;
  tf?: string;
  sep?: string;
}

export const SEPARATOR_ALIASES: Readonly<Record<string, string>> = { dot: '.', comma: ',', tab: '\t', space: ' ', '\\t': '\t' };
export const MAX_SEPARATOR_LENGTH = 3;

function csvCell(value: string, sep: string): string {
  return value.includes(sep) || /["\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * The CSV served at /samples/time-series.csv. Column names that are all digits mean a
 * headless CSV (columns addressed by position), as in ts_loading_headless.
 */
const MAX_COLUMNS = 100;

export function timeSeriesCsv(query: TimeSeriesCsvQuery, random: () => number = Math.random): string {
  const sep = query.sep ? (Object.hasOwn(SEPARATOR_ALIASES, query.sep) ? SEPARATOR_ALIASES[query.sep]! : query.sep) : ',';
  const values = (query.values ?? '').split(',').filter((v) => v !== '');
  const headless = values.length > 0 && [query.time ?? '0', ...values].every((v) => /^\d+$/.test(v));
  const time = query.time ?? (headless ? '0' : 'time');
  // Column counts come from the query: capped, so a request cannot ask for a huge CSV.
  const width = Math.min(MAX_COLUMNS, values.reduce((m, v) => Math.max(m, Number(v)), 0));
  const columns = (headless ? Array.from({ length: width }, (_, i) => String(i + 1)) : values).slice(0, MAX_COLUMNS);
  const times = sampleTimes(query.tf);
  const lines = headless ? [] : [[time, ...columns].map((c) => csvCell(c, sep)).join(sep)];
  for (const t of times) lines.push([csvCell(String(t), sep), ...columns.map(() => String(normal(random)))].join(sep));
  return lines.join('\n') + '\n';
}
