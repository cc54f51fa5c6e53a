// HTML, HTM and XML files (config-and-import §2.9): one task whose value, in the first
// data key, is the file's text with whitespace collapsed, as 0.8's htmlmin did. Text in
// <pre>, <textarea>, <script> and <style> keeps its whitespace; comments are kept.
import { readFile } from 'node:fs/promises';
import { assertReadableWhole } from './errors.ts';
import type { CollectContext, InputFile } from './types.ts';
import { UNDEFINED_KEY } from './types.ts';
import { assertUtf8 } from './utf8.ts';

const OPENER = /<(pre|textarea|script|style)\b/gi;

/** One stretch of the document: text to collapse, or a block kept as it is. */
interface Part {
  text: string;
  verbatim: boolean;
}

/**
 * The document cut into text and verbatim blocks, in one pass: each opener's ">" and its
 * closing tag are searched forward from where the last block ended, so no character is
 * looked at twice (a lazy regex over the whole text rescanned the rest of the document
 * for every unclosed "<pre>"). An unclosed block runs to the end, as browsers read it.
 */
function verbatimParts(html: string): Part[] {
  const parts: Part[] = [];
  let done = 0;
  OPENER.lastIndex = 0;
  for (let m = OPENER.exec(html); m; m = OPENER.exec(html)) {
    const openEnd = html.indexOf('>', OPENER.lastIndex);
    // No ">" left: neither this opener nor any later one is complete.
    if (openEnd < 0) break;
    const closer = new RegExp(`</${m[1]}\\s*>`, 'gi');
    closer.lastIndex = openEnd + 1;
    const close = closer.exec(html);
    const end = close ? close.index + close[0].length : html.length;
    parts.push({ text: html.slice(done, m.index), verbatim: false }, { text: html.slice(m.index, end), verbatim: true });
    done = end;
    OPENER.lastIndex = end;
  }
  parts.push({ text: html.slice(done), verbatim: false });
  return parts;
}

export function minifyHtml(html: string): string {
  return verbatimParts(html)
    .map((part, i) => {
      if (part.verbatim) return part.text;
      // Verbatim blocks start with "<" and end with ">": whitespace beside them is between tags too.
      return part.text
        .replace(/>\s+</g, '><')
        .replace(/^\s+(?=<)/, i > 0 ? '' : '$&')
        .replace(/>\s+$/, '>')
        .replace(/^\s+$/, '')
        .replace(/\s+/g, ' ');
    })
    .join('')
    .trim();
}

export async function collectHtml(file: InputFile, ctx: CollectContext): Promise<void> {
  // The minifier needs the whole text: read only what the upload limit allows.
  assertReadableWhole(file, ctx.maxBytes);
  const bytes = await readFile(file.path);
  assertUtf8(bytes);
  ctx.collector.add({ data: { [UNDEFINED_KEY]: minifyHtml(bytes.toString('utf8')) } });
}
