// The example configs the setup page offers as templates: Label Studio 0.8's 54 shipped
// examples, one XML file each in web/templates/, whose first line is a comment with their
// title and category (<!-- {"title": "Text classification", "category": "text", ...} -->).
// Read once, on first use.
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** web/templates/, from src/labelConfig/ and from dist/labelConfig/ alike. */
export const TEMPLATES_DIR = fileURLToPath(new URL('../../web/templates/', import.meta.url));

export interface ConfigTemplate {
  /** The file name without .xml (text_classification). */
  name: string;
  title: string;
  category: string;
  /** The config without its title comment. */
  config: string;
}

/** The setup page's menu order (0.8's), categories not listed last. */
const CATEGORIES = ['text', 'image', 'audio', 'html', 'time-series', 'per-region', 'nested', 'layouts', 'other'];

const META = /^\s*<!--\s*(\{[\s\S]*?\})\s*-->\s*\n?/;

/** One template file: its meta comment read (a file without one is titled by its name). */
export function parseTemplate(name: string, text: string): ConfigTemplate & { order: string } {
  const m = META.exec(text);
  let meta: { title?: unknown; category?: unknown; order?: unknown } = {};
  if (m) {
    try {
      meta = JSON.parse(m[1]!) as typeof meta;
    } catch {
      meta = {};
    }
  }
  const str = (v: unknown, dflt: string) => (typeof v === 'string' && v !== '' ? v : dflt);
  const title = str(meta.title, name.replace(/_/g, ' '));
  return {
    name,
    title,
    category: str(meta.category, 'other'),
    // 0.8 sorted a category by "order", which defaults to the title ("!" comes first).
    order: str(meta.order, title),
    config: m ? text.slice(m[0].length) : text,
  };
}

/** Code-unit order ("!" before digits before letters), not the locale's, which ignores "!". */
const plain = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function rankOf(category: string): number {
  const i = CATEGORIES.indexOf(category);
  return i < 0 ? CATEGORIES.length : i;
}

let loaded: Promise<ConfigTemplate[]> | undefined;

async function load(): Promise<ConfigTemplate[]> {
  const files = (await readdir(TEMPLATES_DIR)).filter((f) => f.endsWith('.xml'));
  const parsed = await Promise.all(files.map(async (f) => parseTemplate(f.slice(0, -4), await readFile(join(TEMPLATES_DIR, f), 'utf8'))));
  parsed.sort((a, b) => rankOf(a.category) - rankOf(b.category) || plain(a.category, b.category) || plain(a.order, b.order) || plain(a.title, b.title));
  return parsed.map(({ order: _order, ...t }) => t);
}

/** Every template, in menu order. */
export function configTemplates(): Promise<ConfigTemplate[]> {
  loaded ??= load().catch((err: unknown) => {
    loaded = undefined;
    throw err;
  });
  return loaded;
}
