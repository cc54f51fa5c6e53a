// Writes a project folder in the Label Studio 0.8 layout before the app opens it, so a
// test can start from completions with chosen created_at values.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SENTIMENT_CONFIG } from './support.ts';
import { defaultSettings } from '../../src/storage/defaults.ts';

/** The settings of a new project (short instruction, to keep bodies readable). */
export const DEFAULT_SETTINGS = { ...defaultSettings(), instruction: 'Label the sentiment.' };

export interface FolderSpec {
  settings?: Record<string, unknown>;
  config?: string;
  tasks: Record<string, unknown>[];
  /** completions/<id>.json contents (the file's id and data are filled in from the task). */
  completions?: Record<number, Record<string, unknown>[]>;
}

/** A prepare function for makeTestApp. */
export function writeProject(spec: FolderSpec) {
  return async (dir: string) => {
    await mkdir(join(dir, 'completions'), { recursive: true });
    await writeFile(join(dir, 'config.json'), JSON.stringify({ ...DEFAULT_SETTINGS, ...spec.settings }));
    await writeFile(join(dir, 'config.xml'), spec.config ?? SENTIMENT_CONFIG);
    // 0.8 writes tasks.json on one line with ", " / ": " separators.
    const entries = spec.tasks.map((t) => `${JSON.stringify(String(t.id))}: ${JSON.stringify(t)}`);
    await writeFile(join(dir, 'tasks.json'), `{${entries.join(', ')}}`);
    for (const [id, completions] of Object.entries(spec.completions ?? {})) {
      const task = spec.tasks.find((t) => t.id === Number(id))!;
      await writeFile(join(dir, 'completions', `${id}.json`), JSON.stringify({ completions, data: task.data, id: Number(id) }, null, 2));
    }
  };
}
