// A separate process for test/storage/postgresEngine.test.ts: opens the project on
// STORE_URL and labels with the given annotators until next() has nothing left, each
// submission a completion with release. Prints the [annotator, task id] hand-outs as JSON.
import type { SamplingMethod } from '../../src/domain/types.ts';
import { openPostgresStore } from '../../src/storage/postgres/index.ts';

const url = process.env.STORE_URL!;
const project = process.env.PROJECT!;
const annotators = process.env.ANNOTATORS!.split(',');
const sampling = (process.env.SAMPLING ?? 'sequential') as SamplingMethod;

const store = await openPostgresStore({ url, project, reservationMs: 60_000 });
// Both processes say they are ready and begin when told to, so their annotators really race.
process.stdout.write('ready\n');
await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
process.stdin.pause();
const handed: [string, number][] = [];
await Promise.all(
  annotators.map(async (annotator) => {
    for (;;) {
      const next = await store.next(annotator, sampling);
      if (!next) return;
      const id = next.task.id;
      handed.push([annotator, id]);
      await store.changeCompletions(id, (s) => {
        const file = s.file ?? { id, data: s.task.data, completions: [] };
        return { file: { ...file, completions: [...file.completions, { id: s.highestId + 1, created_at: 1, annotator }] }, release: true, value: null };
      });
    }
  }),
);
await store.close();
process.stdout.write(JSON.stringify(handed) + '\n');
