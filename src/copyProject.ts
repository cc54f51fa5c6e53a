// npm run copy-project -- <from> <to>: copies a project between engines. Each side is a
// project folder (a path) or a PostgreSQL project (postgres://user:password@host/db#name,
// "default" when there is no #name). Made for moving a 0.8 folder into PostgreSQL, and
// back out to a folder in 0.8's layout; the target must be new or empty.
import { basename, resolve } from 'node:path';
import { copyProject } from './storage/copy.ts';
import { FolderStore } from './storage/folder/folderStore.ts';
import { describeUrl, openPostgresStore } from './storage/postgres/index.ts';
import type { ProjectStore } from './storage/store.ts';

const USAGE = 'usage: npm run copy-project -- <from> <to>   (each a project folder, or postgres://user:password@host:port/database#project)';

function isPostgres(where: string): boolean {
  return /^postgres(ql)?:\/\//i.test(where);
}

/** Opens one side; the source must exist, the target is created. */
async function openSide(where: string, create: boolean): Promise<ProjectStore> {
  if (isPostgres(where)) {
    const url = new URL(where);
    const project = decodeURIComponent(url.hash.slice(1)) || 'default';
    url.hash = '';
    return openPostgresStore({ url: url.toString(), project, reservationMs: 600_000, create });
  }
  const dir = resolve(where);
  return FolderStore.open(dir, basename(dir), { create });
}

async function main(): Promise<number> {
  const [from, to] = process.argv.slice(2);
  if (!from || !to) {
    console.error(USAGE);
    return 2;
  }
  const source = await openSide(from, false);
  let target: ProjectStore | undefined;
  try {
    target = await openSide(to, true);
    const started = performance.now();
    const done = await copyProject(source, target, (d) => process.stderr.write(`\r${d.tasks} tasks copied`));
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`\ncopied ${done.tasks} tasks (${done.completed} with completions), ${done.marks} remembered completion ids and ${done.uploads} files from ${isPostgres(from) ? describeUrl(from) : from} to ${isPostgres(to) ? describeUrl(to) : to} in ${seconds} s`);
    return 0;
  } finally {
    await target?.close();
    await source.close({ checkpoint: false });
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(err.message);
    process.exit(1);
  },
);
