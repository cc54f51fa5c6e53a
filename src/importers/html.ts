// HTML, HTM and XML files (config-and-import §2.9): one task whose value, in the first
// data key, is the file's text with whitespace collapsed, as 0.8's htmlmin did. Text in
// <pre>, <textarea>, <script> and <style> keeps its whitespace; comments are kept.
import { readFile } from 'node:fs/promises';
import type { TaskCollector } from './types.ts';
import { UNDEFINED_KEY } from './types.ts';
import { assertUtf8 } from './utf8.ts';

const VERBATIM = /(<(pre|textarea|script|style)\b[^>]*>[\s\S]*?<\/\2\s*>)/gi;

export function minifyHtml(html: string): string {
  return html
    .split(VERBATIM)
    .map((part, i) => {
      // split() with two groups yields [text, block, tagName, text, block, tagName, ...].
      if (i % 3 === 1) return part;
      if (i % 3 === 2) return '';
      // Verbatim blocks start with "<" and end with ">": whitespace beside them is between tags too.
      return part
        .replace(/>\s+</g, '><')
        .replace(/^\s+(?=<)/, i > 0 ? '' : '$&')
        .replace(/>\s+$/, '>')
        .replace(/^\s+$/, '')
        .replace(/\s+/g, ' ');
    })
    .join('')
    .trim();
}

export async function collectHtml(path: string, collector: TaskCollector): Promise<void> {
  const bytes = await readFile(path);
  assertUtf8(bytes);
  collector.add({ data: { [UNDEFINED_KEY]: minifyHtml(bytes.toString('utf8')) } });
}
