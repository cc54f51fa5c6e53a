// Writes a project folder in the Label Studio 0.8 layout before the app opens it, so a
// test can start from completions with chosen created_at values.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SENTIMENT_CONFIG } from './support.ts';

export const DEFAULT_SETTINGS = {
  title: 'Label Studio',
  description: 'default',
  protocol: 'http://',
  host: '0.0.0.0',
  port: 8080,
  debug: false,
  label_config: 'config.xml',
  input_path: 'tasks.json',
  output_dir: 'completions',
  instruction: 'Label the sentiment.',
  allow_delete_completions: true,
  templates_dir: 'examples',
  editor: { debug: false },
  sampling: 'sequential',
  ml_backends: [],
  task_page_auto_update_timer: 10000,
  show_project_links_in_multisession: true,
  source: { name: 'Tasks', type: 'tasks-json', path: 'tasks.json' },
  target: { name: 'Completions', type: 'completions-dir', path: 'completions' },
};

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
