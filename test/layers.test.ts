// The layers of src/ (README "Architecture"): a module may import from its own layer and
// the layers below it, never from one above. This test reads every import of src/ and
// fails on one that points up, so the README's map stays true.
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

/** Top to bottom; each entry a folder or a file directly under src/. */
export const LAYERS: readonly (readonly string[])[] = [
  ['cli.ts', 'cli'],
  ['server.ts', 'serve.ts', 'httpServer.ts', 'copyProject.ts'],
  ['app.ts'],
  ['http'],
  ['pages'],
  ['projects.ts'],
  ['services'],
  ['ml', 'cloud'],
  ['importers', 'exporters'],
  ['labelConfig'],
  ['storage'],
  ['sampling'],
  ['settings.ts'],
  ['net'],
  ['domain', 'util'],
  ['errors.ts'],
];

function layerOf(path: string): number {
  const top = path.split('/')[0]!;
  const i = LAYERS.findIndex((l) => l.includes(top));
  if (i < 0) throw new Error(`${path} is in no layer: add its folder to LAYERS and to the README's Architecture section`);
  return i;
}

async function sourceFiles(): Promise<string[]> {
  return (await readdir(SRC, { recursive: true })).filter((f) => f.endsWith('.ts')).map((f) => f.split('\\').join('/'));
}

describe('layers of src/', () => {
  it('no module imports from a layer above its own', async () => {
    const upward: string[] = [];
    for (const file of await sourceFiles()) {
      const text = await readFile(join(SRC, file), 'utf8');
      for (const m of text.matchAll(/^(?:import|export)[^'"]*from '(\.{1,2}\/[^']+)'/gm)) {
        const target = relative(SRC, normalize(join(SRC, dirname(file), m[1]!))).split('\\').join('/');
        if (layerOf(target) < layerOf(file)) upward.push(`${file} imports ${target}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('every folder of src/ has its layer', async () => {
    for (const file of await sourceFiles()) expect(() => layerOf(file), file).not.toThrow();
  });
});
