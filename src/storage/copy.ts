// Copies a project from one store to another through the store interface, so it works
// between any two engines (a 0.8 project folder into PostgreSQL and back out to a folder):
// the config, every task with its completions file under its own id, the remembered
// completion ids, and the uploaded files. The target must be empty.
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ProjectStore } from './store.ts';

export interface CopyCounts {
  tasks: number;
  completed: number;
  marks: number;
  uploads: number;
}

/** Tasks copied per change: one transaction (or journal record) each. */
const BATCH = 5000;

export async function copyProject(from: ProjectStore, to: ProjectStore, progress?: (done: CopyCounts) => void): Promise<CopyCounts> {
  const target = await to.counts();
  if (target.tasks > 0) throw new Error(`The target project ${to.location} is not empty (${target.tasks} tasks); copy into a new project`);
  const done: CopyCounts = { tasks: 0, completed: 0, marks: 0, uploads: 0 };

  const { settings, labelConfig } = await from.config();
  await to.saveConfig(settings, labelConfig);

  // Files first: a task is stored only once the file its URL names is there.
  const work = await mkdtemp(join(tmpdir(), 'ls-copy-'));
  try {
    for await (const name of from.uploads.list()) {
      const file = await from.uploads.get(name);
      if (!file) continue;
      const tempPath = join(work, String(done.uploads));
      await pipeline(file.stream(), createWriteStream(tempPath));
      await to.uploads.put([{ name, tempPath }]);
      await rm(tempPath, { force: true });
      done.uploads++;
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }

  const { tasks: total } = await from.counts();
  for (let offset = 0; offset < total; offset += BATCH) {
    const page = await from.page('id', offset, BATCH);
    if (page.length === 0) break;
    const tasks = page.map((s) => s.task);
    const files = page.flatMap((s) => (s.file ? [s.file] : []));
    await to.addTasks(() => ({ tasks, files }));
    done.tasks += tasks.length;
    done.completed += files.length;
    progress?.(done);
  }

  const marks = await from.completionIdMarks();
  await to.rememberCompletionIds(marks);
  done.marks = marks.length;
  return done;
}
