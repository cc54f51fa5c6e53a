// A config saved while an import's files are being written (the one await between the
// import's check and the store taking its tasks) must not let the import store tasks the
// new config cannot read. The import is checked again against the config in force when
// it commits, with no await in between; here the two steps are called directly with a
// real config save between them, where the write of the files would be.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { AppError } from '../../src/errors.ts';
import { commitImport, prepareFiles } from '../../src/services/import.ts';
import { makeTestApp, type TestApp } from '../helpers/app.ts';
import { CONFIGS, setConfig, storedNameOf, storedTasks, uploadedFiles } from './support.ts';

let t: TestApp;
let tempDir: string;
beforeEach(async () => {
  t = await makeTestApp();
  tempDir = await mkdtemp(join(tmpdir(), 'ls-race-'));
  await setConfig(t, CONFIGS.image);
});
afterEach(async () => {
  await t.close();
  await rm(tempDir, { recursive: true, force: true });
});

/** A picture upload collected and checked against the current (Image-only) config. */
async function preparedPicture() {
  const path = join(tempDir, 'part-1');
  await writeFile(path, 'PNGDATA');
  return prepareFiles(t.project, [{ name: 'pic.png', path, size: 7 }], { tempDir });
}

it('a config that needs a key the tasks lack: 400 with the per-item errors, no task and no file stored', async () => {
  const prepared = await preparedPicture();
  // No tasks yet, so a config needing a second key is accepted.
  await setConfig(t, CONFIGS.twoKeys);
  const err = await commitImport(t.project, prepared).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).status).toBe(400);
  const url = (prepared.tasks[0]!.data as Record<string, string>).image;
  expect((err as AppError).extra.errors).toEqual([`Error at item 0: "caption" key is expected in task data [assume: item["data"] = task root with values] :: {"data":{"$undefined$":"${url}"}}`]);
  expect((await storedTasks(t))).toEqual([]);
  expect(await uploadedFiles(t)).toEqual([]);
});

it('a config the tasks still satisfy: stored, the file going to the new config\'s first data key', async () => {
  const prepared = await preparedPicture();
  await setConfig(t, `<View><Image name="photo" value="$photo"/></View>`);
  const result = await commitImport(t.project, prepared);
  expect(result.new_task_ids).toEqual([0]);
  const [task] = (await storedTasks(t));
  expect(Object.keys(task!.data)).toEqual(['photo']);
  expect(await uploadedFiles(t)).toEqual([storedNameOf(task!.data.photo)]);
});

it('an unchanged config: the tasks as checked are stored', async () => {
  const prepared = await preparedPicture();
  await commitImport(t.project, prepared);
  expect((await storedTasks(t)).map((task) => Object.keys(task.data))).toEqual([['image']]);
});
